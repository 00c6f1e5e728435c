// Package fastdfs is a native client of the FastDFS tracker and storage protocol (checked
// against FastDFS V6.15 and older servers) and an implementation of source.Source over it.
//
// # Framing
//
// Every packet in both directions starts with a 10-byte header:
//
//	offset size field
//	0      8    pkg_len  length of the body that follows (int64, big-endian)
//	8      1    cmd      command code; every response carries 100
//	9      1    status   0 in requests; in responses 0 = OK, otherwise a Linux errno
//
// All integers are big-endian. Fixed-width strings (the 16-byte group name, the tracker's
// IP field, the 6-byte extension) are NUL-padded and never NUL-terminated; remote file names
// fill the rest of a body. An error response (status != 0) has pkg_len 0; the client still
// drains pkg_len bytes if it is not. One request is in flight per connection (no pipelining).
//
// # Commands used
//
//	111 ACTIVE_TEST                   both     empty body; health check of an idle pooled connection
//	 82 QUIT                          both     no response; the server closes
//	102 QUERY_FETCH_ONE               tracker  group(16) + remote name → group(16) ip(w) port(8)
//	103 QUERY_UPDATE                  tracker  same layout; the file's source storage (delete)
//	101 QUERY_STORE_WITHOUT_GROUP_ONE tracker  empty → group(16) ip(w) port(8) store_path(1)
//	104 QUERY_STORE_WITH_GROUP_ONE    tracker  group(16) → same as 101
//	 14 DOWNLOAD_FILE                 storage  offset(8) length(8, 0 = to EOF) group(16) name → raw bytes
//	 11 UPLOAD_FILE                   storage  store_path(1) size(8) ext(6) data → group(16) name
//	 12 DELETE_FILE                   storage  group(16) name → empty
//	 22 QUERY_FILE_INFO               storage  group(16) name → size(8) mtime(8) crc32(8) ip(16|46)
//	                                           (only with verify_stat; header status = flags)
//
// # The IP-width trap
//
// The IP field w in tracker replies is 15 bytes on servers up to V6.10 and on V6.15+ in its
// default IPv4 mode, and 45 bytes on V6.11–V6.13 (and V6.15+ with IPv6 or
// response_ip_addr_size set). The client never assumes one: w = pkg_len − 16 − 8 (− 1 for
// store queries), and only 15 and 45 are accepted.
//
// # Status codes and connection reuse
//
// ENOENT (2) maps to source.ErrNotFound and leaves the connection usable. EINVAL (22) maps to
// source.ErrInvalidKey, and a storage closes the connection after sending it. ENOSPC, EIO, any
// other status, I/O errors, short reads and timeouts map to source.ErrUnavailable. A connection
// goes back to its pool only after status 0 or 2 with the body fully read; anything else
// closes it. DOWNLOAD_FILE of a 0-byte file always fails with EINVAL (offset 0 ≥ size 0), so
// such files are answered from the file ID without asking the storage.
//
// # Pools, failover and timeouts
//
// Every tracker and every storage has its own pool: at most max_open connections (a caller
// waits for a free one, bounded by its context), at most max_idle kept idle, none reused after
// idle_timeout, and ACTIVE_TEST before reusing one idle longer than check_after. A reused
// connection that fails before any reply (the server closed it while idle) is replaced once by
// a fresh one; nothing is retried after body bytes were handed out. Trackers are tried
// round-robin; one that fails at the I/O level is tried last for tracker_backoff, doubling per
// further failure up to tracker_backoff_max. Every read and write has a deadline of
// io_timeout, or the context's deadline when sooner, and a cancelled context interrupts
// blocked I/O (the connection is then closed).
//
// # File IDs
//
//	group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg
//	group  store path index "M"+2 hex, two directory levels (2 hex each),
//	       27 characters of URL-safe base64 without padding (20 bytes), suffix
//
// A normal remote name is 44 characters; its suffix is random digits, a dot and the extension
// (7 characters together; no dot when there is no extension). A trunk file adds 16 base64
// characters of trunk position after the 27 (60 in all); anything longer is a slave file
// (master name + prefix + extension). The 20 decoded bytes are:
//
//	0–3   source storage: IPv4 in dotted order, or a numeric storage id stored little-endian
//	      when LittleEndian(b[0:4]) is in 1..0xFFFFFF
//	4–7   creation time, uint32 big-endian unix seconds
//	8–15  size field: bit 63 set → size in the low 32 bits (a random 23-bit value above);
//	      bit 59 = trunk file (size in the low 32 bits); bit 58 = appender file; else the size
//	16–19 CRC-32 (IEEE) of the content, big-endian
//
// Normal and trunk files are immutable: their size, creation time and CRC-32 come from the
// name, so Stat needs no round trip (unless verify_stat is set), the identity is the file ID,
// and every full download is checked against both size and CRC-32: a mismatch is an error in
// place of io.EOF, never a clean end, and the connection that carried it is closed.
// The CRC-32 inside a slave file's name is its master's, and appender files can grow, so for
// those the size is unknown and no checksum is verified.
//
// # Transports
//
// With transport "tcp" (the default) bytes come over DOWNLOAD_FILE. With transport "http" the
// tracker still picks the storage, and the body is fetched as http://<storage ip>:<http_port>/<file ID>
// from the fastdfs-nginx-module on that storage host (url_have_group_name = true).
package fastdfs
