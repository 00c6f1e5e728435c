// Package fdfsfake is a protocol-level fake of a FastDFS cluster for tests and the local stack: one or more
// trackers and one storage server speaking the real wire format over TCP on 127.0.0.1
// (random ports), optionally the storage's HTTP interface as fastdfs-nginx-module serves it.
//
// It implements, as FastDFS V6.15 does: QUERY_FETCH_ONE (102), QUERY_UPDATE (103),
// QUERY_STORE_WITHOUT_GROUP_ONE (101), QUERY_STORE_WITH_GROUP_ONE (104), UPLOAD_FILE (11,
// file IDs built exactly as the storage builds them: source IP, creation time, masked size and
// CRC-32 in URL-safe base64), DOWNLOAD_FILE (14, offset/length semantics; EINVAL and a closed
// connection for offset ≥ size, a wrong group or a malformed request), DELETE_FILE (12),
// QUERY_FILE_INFO (22), ACTIVE_TEST (111) and QUIT (82). The tracker's IP field is 15 or 45 bytes wide (Options.IPWidth).
//
// Fault switches (SetTrackerFault, SetStorageFault) drop connections (optionally in the middle
// of a body), stall, answer a chosen errno, or corrupt one byte in transit; Stats counts
// accepted connections and served requests. The encoding here is written independently of
// package fastdfs so that each checks the other.
//
// This is a test stand-in, not a storage system: files live in memory. It imports no testing
// code: origin/cmd/fdfsfake runs it as a process, and origin/source/fastdfs/fdfstest wraps New
// with t.Cleanup for tests.
package fdfsfake
