# Varnish 7.1 (Debian's varnish) with the xkey vmod (varnish-modules) in front of the magazine.
#
# The application decides what may be kept: only responses with "s-maxage" in Cache-Control
# (pages the page cache stores, see magazine/edge.py) are cached, each under the keys of its
# xkey header; `PURGE` with an `xkey-purge: key1 key2` header from the purgers acl drops them.
# Everything else (POSTs, staff and anyone with a session or a pending message, other queries)
# goes to the application untouched.
#
# Two lines to change for a site: the backend (host:port of the app server or its balancer)
# and SITE_HOST below (the public host name, with :port if readers type one).
vcl 4.1;

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }

    # One public host name: anything else is refused, so no page is ever built (and kept) for
    # a Host an attacker chose.
    if (std.tolower(req.http.host) != "SITE_HOST") {
        return (synth(421, "Unknown host"));
    }
    set req.http.host = "SITE_HOST";

    # The Prometheus scrape is for the scraper on the app servers themselves, never the edge.
    if (req.url ~ "^/metrics") {
        return (synth(404, "Not Found"));
    }

    # Proxy headers a reader could send are not trusted and not part of any key. A TLS
    # terminator in front sets X-Forwarded-Proto; it is normalised and hashed (vcl_hash).
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Port;
    unset req.http.X-Forwarded-Server;
    unset req.http.X-Forwarded-Prefix;
    unset req.http.Forwarded;
    if (req.http.X-Forwarded-Proto ~ "(?i)^https$") {
        set req.http.X-Forwarded-Proto = "https";
    } else {
        unset req.http.X-Forwarded-Proto;
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff, commenters with a session, readers just shown a message: their own pages.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=" || req.http.Authorization) {
        return (pass);
    }
    if (req.url ~ "^/(edge|admin)/") {
        return (pass);
    }

    # Tracking parameters change nothing on a page: dropped before the key and the backend.
    set req.url = regsuball(req.url, "(?i)([?&])(utm_[a-z]+|fbclid|gclid|from|isappinstalled|scene|spm)=[^&]*", "\1");
    set req.url = regsuball(req.url, "&&+", "&");
    set req.url = regsub(req.url, "\?&", "?");
    set req.url = regsub(req.url, "[?&]$", "");
    set req.url = std.querysort(req.url);
    # Only the parameters cached pages read may be part of a key; any other query goes to the
    # application every time (it serves it from its own page cache, keyed by what the page reads).
    if (req.url ~ "\?" && req.url !~ "\?(page|comments_page|p|city|year)=[^&]*(&(page|comments_page|p|city|year)=[^&]*)*$") {
        return (pass);
    }

    # The reader's cookies are not part of the key. They reach the application on a miss, which
    # then answers privately if anything of theirs could be in the page.
    if (req.http.Cookie) {
        set req.http.X-Reader-Cookie = req.http.Cookie;
        unset req.http.Cookie;
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    hash_data(req.http.host);
    if (req.http.X-Forwarded-Proto) {
        hash_data(req.http.X-Forwarded-Proto);
    }
    return (lookup);
}

sub vcl_backend_fetch {
    if (bereq.http.X-Reader-Cookie) {
        set bereq.http.Cookie = bereq.http.X-Reader-Cookie;
        unset bereq.http.X-Reader-Cookie;
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    # Kept only when the application said so for a shared cache, and nothing personal is set.
    if (beresp.http.Cache-Control !~ "s-maxage=[1-9]" || beresp.http.Set-Cookie || beresp.status != 200) {
        set beresp.ttl = 1s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # A purge or a scheduled time makes a page stale at once: never serve it past its TTL.
    set beresp.grace = 0s;
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
        # The stored copy carries the request id of the reader who filled it: each reader gets
        # the edge's own id for this delivery instead.
        set resp.http.X-Request-ID = "varnish-" + req.xid;
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.n-gone;
}
