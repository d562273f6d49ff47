-- Any GET path, past the response cache.
wrk.headers["Cache-Control"] = "no-cache"
