// Package migrate copies the old image tree to its new root and proves that nothing was lost.
//
// A run walks the source tree, copies every regular file with a bounded pool of workers (each
// file is written to a temporary file beside its destination, synced, given the source's
// modification time and renamed into place, so a destination path never holds a partial file),
// records what it copied in a manifest, and then re-reads every destination file and compares it
// with the manifest. The report names each file that is missing, truncated or different.
//
// # Resuming
//
// Every finished file is appended to a journal beside the manifest as it completes. A run that is
// interrupted (its context cancelled, the process killed) leaves the journal behind; the next run
// loads the manifest and the journal and skips a file when the source still has the recorded size
// and modification time and the destination has them too. When the destination exists but no
// record vouches for it (the process died between the rename and the journal write) both sides
// are hashed and the file is copied only if they differ. Stray temporary files are removed.
//
// Verification trusts nothing but the bytes: it hashes every destination file. With
// Config.Repair a run re-copies each file the verification found bad (after checking that the
// source still matches the manifest) and verifies again.
//
// # Safety
//
// Symbolic links are never followed out of the source root: a link to a regular file inside the
// root is copied as a regular file, anything else is skipped and reported. A path with a ".."
// segment, an absolute path or an empty segment is refused, in the walk and in a manifest.
//
// # Manifest format (version 1)
//
// A UTF-8 text file. Lines starting with '#' are comments; the first line is
// "# imgorigin-migrate manifest v1". Every other line describes one source file:
//
//	{path} TAB {size} TAB {mtime} TAB {sha256}
//
// path is the slash-separated path relative to the root; a path that contains a tab, a newline,
// a backslash, a double quote at its start or any other control character is written as a Go
// double-quoted string (strconv.Quote). size is the byte count in decimal, mtime the modification
// time in nanoseconds since the Unix epoch in decimal, sha256 the lower-case hex SHA-256 of the
// content. Lines are sorted by path (byte order), one line per path. The journal has the same
// line format, unsorted, possibly with a torn last line, which readers ignore.
package migrate
