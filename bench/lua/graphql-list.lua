-- The peer race's Q1 (first 20 offers by title: id, title, provider name), uncached.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cache-Control"] = "no-cache"
wrk.body = '{"query": "query Q1 { offers(first: 20, orderBy: \\"title\\") { edges { node { id title provider { name } } } } }"}'
