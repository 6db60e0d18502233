package auth

import "io/fs"

// mustSub is fs.Sub for embedded directories, which exist.
func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
