package demo

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/etcdscope/etcdscope/decode/kubescheme"
)

// codecs holds the serializers kube-apiserver stores with: protobuf for
// built-in types, JSON for CRDs, APIServices and custom resources, CBOR for
// custom resources once the CBORServingAndStorage gate is on. They are
// immutable once built and safe for concurrent use.
type codecs struct {
	scheme *runtime.Scheme
	proto  *protobuf.Serializer
	json   *json.Serializer
	cbor   cbor.Serializer
}

func newCodecs() (*codecs, error) {
	s := runtime.NewScheme()
	if err := kubescheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("build type scheme: %w", err)
	}
	return &codecs{
		scheme: s,
		proto:  protobuf.NewSerializer(s, s),
		json:   json.NewSerializerWithOptions(json.DefaultMetaFactory, s, s, json.SerializerOptions{}),
		cbor:   cbor.NewSerializer(s, s),
	}, nil
}

// setKind stamps obj with the one group/version/kind its Go type has in
// the scheme. The demo only builds types that exist in a single version
// (the storage version kube-apiserver 1.37 uses for them), so the first
// kind is the right one; the serializers write it into the envelope.
func (c *codecs) setKind(obj runtime.Object) error {
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return fmt.Errorf("type of %T: %w", obj, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	return nil
}

// protobuf encodes a built-in object into the "k8s\x00" envelope.
func (c *codecs) protobuf(obj runtime.Object) ([]byte, error) {
	if err := c.setKind(obj); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := c.proto.Encode(obj, &b); err != nil {
		return nil, fmt.Errorf("encode %T as protobuf: %w", obj, err)
	}
	return b.Bytes(), nil
}

// typedJSON encodes a typed object (CRD, APIService) as JSON, as the API
// server stores the types it keeps in JSON: struct field order and a
// trailing newline.
func (c *codecs) typedJSON(obj runtime.Object) ([]byte, error) {
	if err := c.setKind(obj); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := c.json.Encode(obj, &b); err != nil {
		return nil, fmt.Errorf("encode %T as json: %w", obj, err)
	}
	return b.Bytes(), nil
}

// customJSON encodes a custom resource as JSON (map keys sorted, as the
// API server writes unstructured objects).
func (c *codecs) customJSON(u *unstructured.Unstructured) ([]byte, error) {
	var b bytes.Buffer
	if err := c.json.Encode(u, &b); err != nil {
		return nil, fmt.Errorf("encode %s %q as json: %w", u.GetKind(), u.GetName(), err)
	}
	return b.Bytes(), nil
}

// customCBOR encodes a custom resource as self-described CBOR (d9d9f7).
func (c *codecs) customCBOR(u *unstructured.Unstructured) ([]byte, error) {
	var b bytes.Buffer
	if err := c.cbor.Encode(u, &b); err != nil {
		return nil, fmt.Errorf("encode %s %q as cbor: %w", u.GetKind(), u.GetName(), err)
	}
	return b.Bytes(), nil
}

// decodeProto reads a protobuf envelope back into into (Run reads the pods
// and leases it updates).
func (c *codecs) decodeProto(data []byte, into runtime.Object) error {
	_, _, err := c.proto.Decode(data, nil, into)
	return err
}
