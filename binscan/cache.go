package binscan

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// cacheVersion changes whenever object's encoding or the analysis that
// fills it changes: entries of another version are rebuilt.
const cacheVersion = 9

type cacheEntry struct {
	Version int
	Object  *object
}

// cacheKey names a file's entry: its build ID, or where there is none, its
// size, modification time, device and inode.
func cacheKey(id string, st os.FileInfo) string {
	if id != "" {
		return "id-" + id
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("st-%d-%d-%d-%d", st.Size(), st.ModTime().UnixNano(), sys.Dev, sys.Ino)
	}
	return fmt.Sprintf("st-%d-%d", st.Size(), st.ModTime().UnixNano())
}

func cacheLoad(dir, key string) *object {
	d, err := os.ReadFile(filepath.Join(dir, key+".gob"))
	if err != nil {
		return nil
	}
	var e cacheEntry
	if err := gob.NewDecoder(bytes.NewReader(d)).Decode(&e); err != nil || e.Version != cacheVersion || e.Object == nil {
		return nil // corrupt or old: rebuilt and rewritten by the caller
	}
	return e.Object
}

// cacheStore writes atomically: a reader sees the old entry, no entry, or
// the new one, never half of one.
func cacheStore(dir, key string, o *object) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cacheEntry{Version: cacheVersion, Object: o}); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, key+".gob"))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
