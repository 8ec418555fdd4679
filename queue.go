package wsbeat

// queue holds messages sent while not open, oldest first, within a count
// and a byte limit.
type queue struct {
	items    []Message
	head     int
	bytes    int
	maxCount int
	maxBytes int
}

func (q *queue) len() int { return len(q.items) - q.head }

// fits reports whether m can be added without dropping anything.
func (q *queue) fits(m Message) bool {
	return q.len() < q.maxCount && q.bytes+m.Size <= q.maxBytes
}

// canEverFit reports whether m fits in an empty queue.
func (q *queue) canEverFit(m Message) bool {
	return q.maxCount > 0 && m.Size <= q.maxBytes
}

func (q *queue) push(m Message) {
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	q.items = append(q.items, m)
	q.bytes += m.Size
}

func (q *queue) popOldest() Message {
	m := q.items[q.head]
	q.items[q.head] = Message{}
	q.head++
	q.bytes -= m.Size
	return m
}

// take empties the queue and returns what it held, oldest first.
func (q *queue) take() []Message {
	out := make([]Message, q.len())
	copy(out, q.items[q.head:])
	clear(q.items)
	q.items, q.head, q.bytes = q.items[:0], 0, 0
	return out
}
