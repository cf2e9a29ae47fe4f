package columns

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/etcdscope/etcdscope/decode"
)

// noKeyByte leads the key of a cell with no sort key: it sorts after
// every kind.
const noKeyByte = 0xff

// AppendSortKey appends to dst a byte key for cell c whose bytewise order
// (bytes.Compare) is Compare's order, so a long list can keep a few bytes
// per row for a sort instead of its cells. The key is the cell's kind,
// its value in a fixed width that orders as the value does, then its text
// (the tie-break), unless the text follows from the value (an age from
// its time, a count from its number): then keys of a column have one
// length, and the list keeps no ends for them.
// Quantities and ratios order by their float64 value, which is exact
// for every count and quantity below 2^53.
func AppendSortKey(dst []byte, c Cell) []byte {
	k := c.key
	if k.kind == keyNone {
		return append(append(dst, noKeyByte), c.Text...)
	}
	dst = append(dst, byte(k.kind))
	switch k.kind {
	case keyInt, keyDuration:
		dst = appendInt(dst, k.n)
	case keyTime:
		return appendInt(dst, ^k.n) // a later time sorts first
	case keyFloat:
		dst = appendFloat(dst, k.f)
	case keyQuantity:
		dst = appendFloat(dst, k.q.AsApproximateFloat64())
	case keyRatio:
		n, d := k.n, k.d
		if d == 0 {
			n, d = 1, 1 // as compareKeys: nothing missing
		}
		dst = appendFloat(dst, float64(n)/float64(d))
		dst = appendInt(dst, k.d)
	}
	if k.derived {
		return dst
	}
	return append(dst, c.Text...)
}

// appendInt appends n so that bytes order as signed numbers do.
func appendInt(dst []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(n)^(1<<63))
}

// appendFloat appends f so that bytes order as cmp.Compare orders
// floats: NaN first, then -Inf up to +Inf, -0 equal to 0.
func appendFloat(dst []byte, f float64) []byte {
	var u uint64
	switch {
	case math.IsNaN(f):
		u = 0
	case f == 0:
		u = 1 << 63
	default:
		u = math.Float64bits(f)
		if u&(1<<63) != 0 {
			u = ^u
		} else {
			u |= 1 << 63
		}
	}
	return binary.BigEndian.AppendUint64(dst, u)
}

// MetadataAge is the AGE cell Row gives the value m was read from, from
// its metadata alone (decode.Decoder.DecodeMetadata, far cheaper than a
// whole decode): a sort by age needs no more.
func MetadataAge(m decode.Metadata, now time.Time) Cell {
	if m.Err != nil || !m.IsObject {
		return Cell{}
	}
	return ageCell(m.CreationTimestamp, now)
}

// AgeIndex is the index of the AGE column, which MetadataAge fills.
func (t *Table) AgeIndex() int { return t.age }
