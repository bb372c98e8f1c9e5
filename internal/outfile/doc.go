// Package outfile writes the files a command outputs without replacing what
// is not the command's to replace: devices, FIFOs and the standard streams
// are written through, a symlink's target (not the link) is replaced
// atomically, and every output is checked before the work that produces it.
package outfile
