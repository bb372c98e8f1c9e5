// Package verify answers whether a profile holds for what a run needs:
// what it would refuse and why, the verdicts behind check and run
// --complain. It needs no tracer and no root.
package verify
