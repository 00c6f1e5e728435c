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
//	                                           (appender files, and verify_stat; header status = flags)
//	 90 SERVER_LIST_ONE_GROUP         tracker  group(16) → the group's stats, or ENOENT: no such group
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
// A storage's ENOENT (DOWNLOAD_FILE, QUERY_FILE_INFO, DELETE_FILE) maps to source.ErrNotFound:
// the file is not there. A tracker's ENOENT does not: tracker_mem_get_storage_by_filename
// (tracker/tracker_mem.c) answers it for a group it does not know and, byte for byte the same,
// for a known group with no readable storage — the storage is stopped, or the tracker was
// restarted and the storages have not reported in yet (up to a heartbeat, 30 s with stock
// configs). The client asks the next tracker, and when no tracker names a storage it asks the
// group list (SERVER_LIST_ONE_GROUP, remembered 10 s per group, at most 256 groups):
//
//   - a group some tracker lists is source.ErrUnavailable (ErrNoStorage): the origin answers 502
//     with Cache-Control: no-store and remembers nothing, so the first request after the
//     storage is back is served;
//   - a group that the trackers asked all answer ENOENT for (ErrUnknownGroup) is
//     source.ErrNotFound: a 404 that the CDN may keep for not_found_max_age.
//
// Why the unknown group may be a 404: a restarted tracker still lists its groups (it loads
// them from its data files, tracker_load_groups_new, before any storage reports), so the list
// says "no such group" only for a name that no storage ever joined with — a typo or a
// decommissioned group, which a short negative answer suits. If the list cannot be asked (no
// tracker answers), the answer is ErrNoStorage, never a not-found.
//
// EINVAL (22) maps to source.ErrInvalidKey, and a storage closes the connection after sending
// it. ENOSPC, EIO, any other status, I/O errors, short reads and timeouts map to
// source.ErrUnavailable. A connection goes back to its pool only after status 0 or 2 with the
// body fully read; anything else closes it. DOWNLOAD_FILE of a 0-byte file always fails with
// EINVAL (offset 0 ≥ size 0), so such files are answered from the file ID without asking the
// storage.
//
// # Pools, health and timeouts
//
// Every tracker and every storage has its own pool: at most max_open connections (a caller
// waits for a free one, bounded by its context), at most max_idle kept idle, none reused after
// idle_timeout, and ACTIVE_TEST before reusing one idle longer than check_after. A reused
// connection that fails before any reply (the server closed it while idle) is replaced once by
// a fresh one; nothing is retried after body bytes were handed out.
//
// Trackers are tried round-robin. A tracker's reply must begin within first_byte_timeout
// (default 1 s; trackers answer from memory): one that accepts connections and never answers
// costs that once — also when the pool holds idle connections to it: an ACTIVE_TEST before
// reuse that gets no answer in time fails the call like the request itself would, instead of
// moving on to the next idle connection. Any I/O failure marks the server (tracker or storage) down: its idle
// connections are closed, a tracker that is down is asked only when no tracker that is up
// answered, and every health_interval a new connection sends it ACTIVE_TEST until it answers,
// which marks it up. Both changes are logged once (WARN down, INFO up again); Servers reports
// the state and, per server, the requests that failed over from it to another, which the
// origin exports as imgorigin_source_server_up and imgorigin_source_failovers_total. Every
// other read and write has a deadline of io_timeout, or the context's deadline when sooner,
// and a cancelled context interrupts blocked I/O (the connection is then closed).
//
// # File IDs
//
//	group1/M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg
//	group  store path index "M"+2 hex, two directory levels (2 hex each),
//	       27 characters of URL-safe base64 without padding (20 bytes), suffix
//
// A normal remote name is 44 characters; its suffix is random digits, a dot and the extension
// (7 characters together; no dot when there is no extension). A trunk file adds 16 base64
// characters of trunk position after the 27 (60 in all). A slave file
// (fdfs_gen_slave_filename, common/fdfs_global.c) is its master's name up to the dot of the
// master's extension, then a prefix of 1..16 characters of [A-Za-z0-9_.-], then "." and an
// extension that may differ from the master's, or none: from 38 characters (a 6-letter master
// extension, a 1-letter prefix, no extension) up to 127, and both 42- and 44-character slaves
// are common. The 20 decoded bytes are:
//
//	0–3   source storage: IPv4 in dotted order, or a numeric storage id stored little-endian
//	      when LittleEndian(b[0:4]) is in 1..0xFFFFFF
//	4–7   creation time, uint32 big-endian unix seconds
//	8–15  size field: bit 63 set → size in the low 32 bits (a random 23-bit value above);
//	      bit 59 = trunk file (size in the low 32 bits); bit 58 = appender file; else the size
//	16–19 CRC-32 (IEEE) of the content, big-endian
//
// A name whose length is not the normal (trunk) one, or whose tail is not digits + extension,
// is a slave (IS_SLAVE_FILE in tracker/tracker_types.h counts only the length; the storage
// serves the shorter ones too). A slave's 27 characters are its master's, so its size and
// CRC-32 are the master's and nothing is checked. A slave whose prefix is digits can have
// exactly the normal length and a tail of digits + extension: by name it is a normal file
// (FileID.MaybeSlave marks every name of that shape). For those the size and CRC-32 are
// checked when the storage sends exactly the size in the name, and a different length is
// taken as a slave, served unchecked; a normal file whose stored length changed is therefore
// not caught here (a truncated image is refused later by the decoder).
//
// Normal and trunk files are immutable: their size, creation time and CRC-32 come from the
// name, so Stat needs no round trip (unless verify_stat is set), the identity is the file ID,
// and every full download is checked: a mismatch is an error in place of io.EOF, never a clean
// end, and the connection that carried it is closed. Slave files are immutable too (a slave
// cannot be appended to).
//
// # Appender files
//
// Files made by upload_appender change with append, modify and truncate, and their names
// carry no size and only the first content's CRC-32. Stat and Open therefore both ask
// QUERY_FILE_INFO, with the storage computing the CRC-32 of the content now, and the identity
// is "<file id>#<size>.<crc32>": it changes with the bytes, so the stat cache
// (render.stat_ttl) is the bound on serving old bytes, variants and ETags change with it, and
// appender answers are never marked immutable (they get the mutable Cache-Control). Open then
// downloads exactly that many bytes (HTTP: a Range) and checks them against that CRC-32, so
// the body is the one its identity names; bytes appended meanwhile belong to the next one.
//
// # Transports
//
// With transport "tcp" (the default) bytes come over DOWNLOAD_FILE. With transport "http" the
// tracker still picks the storage, and the body is fetched as http://<storage ip>:<http_port>/<file ID>
// from the fastdfs-nginx-module on that storage host (url_have_group_name = true). Redirects
// are followed only on that host (response_mode=redirect points at the source storage of a
// file not synced yet: a host no tracker chose, answered as an unavailable storage).
//
// # Address guard
//
// Storage addresses come from tracker replies, not from the configuration, so every storage
// connection — DOWNLOAD_FILE and the other storage commands, transport "http", ACTIVE_TEST
// probes — is dialled through the same dial-time guard as the HTTP source (package
// dialguard, as net.Dialer.Control on the address actually dialled). Cloud metadata addresses
// are always refused; private and loopback ones only with allow_private: false (the default
// is true, because storages live on private networks). A refused storage is an unavailable
// one (502, no-store). Trackers are dialled as configured.
package fastdfs
