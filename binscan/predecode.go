package binscan

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Decoding is most of a cold scan (node's 80 MB executable: two thirds of
// it), and it is pure: the same bytes give the same instructions. So
// scan decodes on the other cores, ahead of the loop that interprets the
// instructions, which stays sequential and so gives the same result.

// batchFuncs is how many functions one decoding job covers: enough to
// amortise the hand-off, few enough to keep the memory ahead small.
const batchFuncs = 64

// codeRange is a function's bytes as they were when decoding began. join
// says a gap follows it, which scan joins to it if its code falls through;
// ext is then the bytes of both.
type codeRange struct {
	code, ext  []byte
	start, end uint64
	join       bool
}

// span locates one function's instructions in a batch: ins[a0:a1] are its
// own, ins[a0:a2] those of it joined with the gap after it (if ext). ok is
// false where the function was not decoded (a gap its predecessor joins).
type span struct {
	a0, a1, a2 int
	ok, ext    bool
}

// decodedBatch holds the instructions of batchFuncs consecutive functions.
type decodedBatch struct {
	ins   []insn
	spans []span
}

// predecoder decodes batches of functions in order, a bounded number of
// batches ahead of the consumer.
type predecoder struct {
	ranges []codeRange
	res    []chan *decodedBatch
	tokens chan struct{}
	free   chan *decodedBatch
	next   atomic.Int64
	wg     sync.WaitGroup
	cur    *decodedBatch
	curIdx int
}

// newPredecoder starts decoding ranges, or returns nil where there is a
// single core to run on.
func newPredecoder(ranges []codeRange) *predecoder {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(ranges) < 2*batchFuncs {
		return nil
	}
	nb := (len(ranges) + batchFuncs - 1) / batchFuncs
	ahead := 4 * workers
	p := &predecoder{
		ranges: ranges,
		res:    make([]chan *decodedBatch, nb),
		tokens: make(chan struct{}, ahead),
		free:   make(chan *decodedBatch, ahead+1),
		curIdx: -1,
	}
	for i := range p.res {
		p.res[i] = make(chan *decodedBatch, 1)
	}
	for range ahead {
		p.tokens <- struct{}{}
	}
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// joinMargin is how far before a function's end a byte the decoder
// rejected could have started an instruction that, with the gap's bytes
// after it, decodes: x86 instructions are at most 15 bytes.
const joinMargin = 32

func (p *predecoder) work() {
	defer p.wg.Done()
	for {
		<-p.tokens
		k := int(p.next.Add(1) - 1)
		if k >= len(p.res) {
			p.tokens <- struct{}{}
			return
		}
		var d *decodedBatch
		select {
		case d = <-p.free:
		default:
			d = &decodedBatch{}
		}
		d.ins, d.spans = d.ins[:0], d.spans[:0]
		lo, hi := k*batchFuncs, min((k+1)*batchFuncs, len(p.ranges))
		skip := false
		for fi := lo; fi < hi; fi++ {
			r := p.ranges[fi]
			sp := span{a0: len(d.ins)}
			if skip {
				// Joined to its predecessor: scan decodes what is left.
				skip = false
				sp.a1, sp.a2 = sp.a0, sp.a0
				d.spans = append(d.spans, sp)
				continue
			}
			d.ins = decodeAppend(d.ins, r.code, r.start)
			sp.a1, sp.ok = len(d.ins), true
			if n := sp.a1; r.join && n > sp.a0 && fallsThrough(&d.ins[n-1]) {
				skip = true
				// Decoding on from the end gives what decoding the joined
				// bytes would, unless a rejected byte near the end would
				// have begun an instruction running into the gap.
				g := p.ranges[fi+1]
				if r.ext != nil && g.code != nil && len(r.code)+len(g.code) == len(r.ext) && cleanEnd(d.ins[sp.a0:n], r.end) {
					d.ins = decodeAppend(d.ins, g.code, g.start)
					sp.ext = true
				}
			}
			sp.a2 = len(d.ins)
			d.spans = append(d.spans, sp)
		}
		p.res[k] <- d
	}
}

// cleanEnd reports whether no byte the decoder rejected lies within
// joinMargin of end.
func cleanEnd(ins []insn, end uint64) bool {
	for i := len(ins) - 1; i >= 0 && ins[i].addr+joinMargin >= end; i-- {
		if ins[i].Op == bad {
			return false
		}
	}
	return true
}

// get returns function fi's instructions, decoded from the bytes it had
// when decoding began (ok false if they were not decoded), and those of
// it joined with the gap after it if they were. Functions must be asked
// for in increasing order; the instructions stay valid until the next
// batch is reached.
func (p *predecoder) get(fi int) (ins, joined []insn, r codeRange, ok bool) {
	k := fi / batchFuncs
	for p.curIdx < k {
		p.advance()
	}
	sp := p.cur.spans[fi-k*batchFuncs]
	if !sp.ok {
		return nil, nil, p.ranges[fi], false
	}
	if sp.ext {
		joined = p.cur.ins[sp.a0:sp.a2:sp.a2]
	}
	return p.cur.ins[sp.a0:sp.a1:sp.a1], joined, p.ranges[fi], true
}

func (p *predecoder) advance() {
	if p.cur != nil {
		p.free <- p.cur
		p.tokens <- struct{}{}
	}
	p.curIdx++
	p.cur = <-p.res[p.curIdx]
}

// close takes every batch left and waits for the workers.
func (p *predecoder) close() {
	for p.curIdx < len(p.res)-1 {
		p.advance()
	}
	p.wg.Wait()
}
