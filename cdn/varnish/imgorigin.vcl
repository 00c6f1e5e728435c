vcl 4.1;
# imgorigin behind Varnish 7 (tested with Debian's varnish 7.1): include this file from your
# main VCL, after your backend (the front nginx) and before your own subroutines:
#
#     vcl 4.1;
#     backend front { .host = "origin.img.example.com"; .port = "80";
#                     .connect_timeout = 2s; .first_byte_timeout = 35s; }
#     include "/etc/varnish/imgorigin-formats.vcl";   # origin render-formats --varnish
#     include "/etc/varnish/imgorigin.vcl";
#
# Varnish runs same-named subroutines in the order it reads them (this file's, then yours, then
# the built-in VCL), so keep yours after the include. cdn/varnish/doc.go states the contract;
# cdn/README.md compares it with the nginx edge stand-in.
#
# What it does:
#  * cache key = Host + path, never the query: the token in the query is forwarded on pulls
#    (the origin verifies it), so two URLs that differ only in token are one object;
#  * freshness from the origin (s-maxage, else max-age: Varnish's own parser);
#  * stale-while-revalidate (Varnish's grace): a stale object is served at once and refreshed by
#    one background fetch;
#  * stale-if-error, which Varnish 7 does not implement: the object's grace is stretched to the
#    origin's stale-if-error; past stale-while-revalidate a request fetches synchronously and is
#    served the stale copy only when that fetch fails;
#  * a failed refresh never replaces a good object: a background or synchronous refresh that
#    gets a 5xx, a connection error or an uncacheable answer (a forged token's 403 is
#    `private, no-store`) is abandoned, and the stale copy stays;
#  * X-Cache on every answer: HIT, MISS, STALE (served past its TTL), PASS;
#  * f_auto paths: key = Host + path + format bucket, Accept normalised to the bucket (the
#    subroutine imgorigin_format of imgorigin-formats.vcl, which `origin render-formats
#    --varnish` renders from the origins' render.auto: include it before this file).
#
# Hardening (issue 14 item 8, as the nginx edge stand-in): the cache key's host is the site's
# (the main VCL sets Host), a client's X-Origin-Secret and X-Request-Id never reach the front,
# purges need the bearer token and refuse cross-site requests, and varnishncsa logs the path
# without the query: run it as
#     varnishncsa -F '%h %t "%m %{VCL_Log:imgorigin_path}x %H" %s %b %{Varnish:hitmiss}x'
# (its default format's %r is the request line with the query: the token).
#
# Internal request header: X-Imgorigin-Grace ("sync" while a request past stale-while-revalidate
# fetches, "stale" when it falls back to the stale copy). A client's own is removed; a
# synchronous refresh carries it to the origin, which ignores it.

import std;

sub vcl_recv {
	if (req.restarts == 0) {
		unset req.http.X-Imgorigin-Grace;
		# Headers only this VCL and the main VCL may set, never a client: the purge token, and
		# what the origins trust from their front (the CDN origin secret: this edge does not
		# verify tokens and adds none, so no pull carries one; the request id: the front makes
		# its own).
		unset req.http.X-Imgorigin-Purge-Token;
		unset req.http.X-Origin-Secret;
		unset req.http.X-Request-Id;
	}
	# The purge API: only on the listen socket named "purge" (varnishd -a purge=127.0.0.1:…).
	if (local.socket == "purge") {
		call imgorigin_purge;
	}
	# For varnishncsa's %{VCL_Log:imgorigin_path}x: the path without its query (the token).
	std.log("imgorigin_path:" + regsub(req.url, "\?.*$", ""));
	# f_auto (imgorigin-formats.vcl, rendered from the origins' render.auto): the format bucket
	# into X-Imgorigin-Format (hashed below) and Accept normalised to it, so Vary: Accept keeps
	# one object per bucket and the origin answers that bucket.
	call imgorigin_format;
	# The origin never reads cookies; an image request that carries the site's cookies must not
	# bypass the cache (the built-in VCL passes every request with a Cookie).
	unset req.http.Cookie;
	if (req.http.X-Imgorigin-Grace == "sync") {
		# Past stale-while-revalidate: look past the stale copy (grace 0) and fetch now, without
		# queueing behind another request's fetch of the same object (a queue behind a failing
		# fetch would serialise every waiter through its own failing fetch).
		set req.grace = 0s;
		set req.hash_ignore_busy = true;
	} else if (req.http.X-Imgorigin-Grace == "stale") {
		# That fetch failed: back to the stale copy (a restart keeps req.grace; lift the cap).
		set req.grace = 3650d;
		set req.hash_ignore_busy = false;
	}
}

# POST /purge?tag={source}/{key} with Authorization: Bearer {purge token}: bans every object
# whose Surrogate-Key lists the tag. 401 without the token; 403 for a request a browser page
# made (an Origin header, or Sec-Fetch-Site cross-site): a cross-site form POST must not purge.
sub imgorigin_purge {
	if (req.method != "POST") {
		return (synth(405));
	}
	if (req.url !~ "^/purge\?tag=[A-Za-z0-9._~/-]{1,512}$") {
		return (synth(404));
	}
	if (req.http.Origin || req.http.Sec-Fetch-Site == "cross-site") {
		return (synth(403));
	}
	call imgorigin_purge_token;
	if (req.http.X-Imgorigin-Purge-Token == "" ||
	    req.http.Authorization != "Bearer " + req.http.X-Imgorigin-Purge-Token) {
		unset req.http.X-Imgorigin-Purge-Token;
		return (synth(401));
	}
	unset req.http.X-Imgorigin-Purge-Token;
	# The tag as a whole item of the list: bounded by anything a tag cannot hold, '.' matched
	# literally; no space or quote in the regex (the ban parser splits its arguments at spaces).
	if (std.ban("obj.http.Surrogate-Key ~ (^|[^A-Za-z0-9._~/-])" +
	    regsuball(regsub(req.url, "^/purge\?tag=", ""), "\.", "[.]") + "([^A-Za-z0-9._~/-]|$)")) {
		return (synth(200, "purged"));
	}
	return (synth(500, std.ban_error()));
}

sub vcl_hash {
	hash_data(regsub(req.url, "\?.*$", ""));
	if (req.http.X-Imgorigin-Format) {
		hash_data(req.http.X-Imgorigin-Format);
	}
	if (req.http.host) {
		hash_data(req.http.host);
	} else {
		hash_data(server.ip);
	}
	return (lookup);
}

sub vcl_hit {
	if (obj.ttl >= 0s || req.http.X-Imgorigin-Grace == "stale") {
		return (deliver);
	}
	# Stale. Inside the origin's stale-while-revalidate: serve it, one background fetch refreshes.
	if (obj.ttl + std.duration(regsub(obj.http.Cache-Control,
	    "^(?i)(?:.*[ ,])?stale-while-revalidate=([0-9]+).*$", "\1s"), 0s) > 0s) {
		return (deliver);
	}
	# Only inside stale-if-error (the grace set below): fetch first, fall back on failure.
	set req.http.X-Imgorigin-Grace = "sync";
	return (restart);
}

sub vcl_synth {
	if (resp.status == 503 && req.http.X-Imgorigin-Grace == "sync") {
		# The synchronous fetch failed (abandoned below): serve the stale copy.
		set req.http.X-Imgorigin-Grace = "stale";
		return (restart);
	}
	set resp.http.Cache-Control = "no-store";
}

sub vcl_backend_fetch {
	if (bereq.is_bgfetch && bereq.http.X-Imgorigin-Grace == "stale") {
		# A fallback delivery would start a background fetch: its synchronous fetch just failed.
		return (abandon);
	}
}

sub vcl_backend_response {
	set beresp.http.X-Imgorigin-Cacheable = "yes";
	if (beresp.ttl <= 0s || beresp.http.Set-Cookie || beresp.http.Vary == "*" ||
	    beresp.http.Cache-Control ~ "(?i)no-cache|no-store|private") {
		unset beresp.http.X-Imgorigin-Cacheable;
	}
	if ((bereq.is_bgfetch || bereq.http.X-Imgorigin-Grace == "sync") &&
	    (beresp.status >= 500 || !beresp.http.X-Imgorigin-Cacheable)) {
		# A refresh that failed (the front's 502 when no node is up, a store error, a forged
		# token's 403): keep the stale copy.
		return (abandon);
	}
	unset beresp.http.X-Imgorigin-Cacheable;
	# stale-if-error as grace (Varnish parsed stale-while-revalidate into beresp.grace; the
	# longer window wins). Answers with neither keep the default_grace parameter.
	if (beresp.ttl > 0s && beresp.http.Cache-Control ~ "(?i)(^|[ ,])stale-if-error=[0-9]") {
		if (std.duration(regsub(beresp.http.Cache-Control,
		    "^(?i)(?:.*[ ,])?stale-if-error=([0-9]+).*$", "\1s"), 0s) > beresp.grace) {
			set beresp.grace = std.duration(regsub(beresp.http.Cache-Control,
			    "^(?i)(?:.*[ ,])?stale-if-error=([0-9]+).*$", "\1s"), 0s);
		}
	}
}

sub vcl_backend_error {
	if (bereq.is_bgfetch || bereq.http.X-Imgorigin-Grace == "sync") {
		# The front did not answer (refused, timed out): keep the stale copy.
		return (abandon);
	}
	set beresp.http.Cache-Control = "no-store";
}

sub vcl_deliver {
	if (req.http.X-Imgorigin-Grace == "stale" || (obj.hits > 0 && obj.ttl < 0s)) {
		set resp.http.X-Cache = "STALE";
	} else if (obj.uncacheable) {
		set resp.http.X-Cache = "PASS";
	} else if (obj.hits > 0) {
		set resp.http.X-Cache = "HIT";
	} else {
		set resp.http.X-Cache = "MISS";
	}
}
