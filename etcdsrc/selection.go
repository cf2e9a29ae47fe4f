package etcdsrc

// Selection narrows the events of a prefix to the keys whose values
// match, as the API server's watch with a label or field selector does:
// a key that starts matching arrives as a PUT, a key that stops matching
// as a DELETE marked Unmatched (its KV the value now, which no longer
// matches), and a deletion only when the key matched. Whether a key
// matched is what the consumer was told (the set of keys it keeps), or
// else what the event's previous value says, so a key that matched when
// the watch began needs no listing first. The set is front-coded, a few
// bytes per matching key. A Selection is used by one goroutine.
type Selection struct {
	match func(KeyValue) bool
	set   keySet
}

// NewSelection returns a Selection of the keys whose values match.
func NewSelection(match func(KeyValue) bool) *Selection {
	return &Selection{match: match}
}

// Filter returns what becomes of ev, and false when the consumer is not
// to hear of it. Events other than PUT and DELETE pass as they are.
func (s *Selection) Filter(ev Event) (Event, bool) {
	key := ev.KV.Key
	switch ev.Type {
	case EventPut:
		was := s.set.has(key) || (ev.PrevKV != nil && s.match(*ev.PrevKV))
		if s.match(ev.KV) {
			s.set.add(key)
			return ev, true
		}
		if !was {
			return ev, false
		}
		s.set.remove(key)
		ev.Type, ev.Unmatched = EventDelete, true
		return ev, true
	case EventDelete:
		told := s.set.remove(key)
		return ev, told || (ev.PrevKV != nil && s.match(*ev.PrevKV))
	}
	return ev, true
}
