package decode

// MetadataDiff is metadataDiff for the tests of package decode_test.
var MetadataDiff = metadataDiff
