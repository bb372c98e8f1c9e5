// Package goruntime knows which syscalls the Go runtime of a binary can issue
// on paths a short recording may never reach, per Go version and GOARCH, and
// which of them a given binary links.
package goruntime

//go:generate go run ./internal/gen -goarch amd64 -o data
//go:generate go run ./internal/gen -goarch 386 -o data
