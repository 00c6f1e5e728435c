vcl 4.1;
# f_auto negotiation, rendered by origin/autoformat from render.auto (avif, then webp, then fallback):
# never edit by hand (`origin render-formats --vcl -c config.yaml`). imgorigin.vcl calls it in
# vcl_recv and hashes X-Imgorigin-Bucket on f_auto paths, never raw Accept.
sub imgorigin_format_bucket {
	unset req.http.X-Imgorigin-Bucket;
	if (req.url ~ "^/i/(?:[^/]*,)?f_auto/") {
		if (req.http.Accept !~ "(?i)(?:^|,)[ \t]*image/avif[ \t]*;(?:[^,]*;)?[ \t]*q[ \t]*=[ \t]*0(?:[.]0{0,3})?[ \t]*(?:[,;]|$)" && req.http.Accept ~ "(?i)(?:^|,)[ \t]*image/avif[ \t]*(?:[,;]|$)") {
			set req.http.X-Imgorigin-Bucket = "avif";
		} elsif (req.http.Accept !~ "(?i)(?:^|,)[ \t]*image/webp[ \t]*;(?:[^,]*;)?[ \t]*q[ \t]*=[ \t]*0(?:[.]0{0,3})?[ \t]*(?:[,;]|$)" && req.http.Accept ~ "(?i)(?:^|,)[ \t]*image/webp[ \t]*(?:[,;]|$)") {
			set req.http.X-Imgorigin-Bucket = "webp";
		} else {
			set req.http.X-Imgorigin-Bucket = "fallback";
		}
		if (req.http.X-Imgorigin-Bucket == "avif") {
			set req.http.Accept = "image/avif";
		}
		if (req.http.X-Imgorigin-Bucket == "webp") {
			set req.http.Accept = "image/webp";
		}
		if (req.http.X-Imgorigin-Bucket == "fallback") {
			set req.http.Accept = "image/jpeg";
		}
	}
}
