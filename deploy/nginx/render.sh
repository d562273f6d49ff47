#!/bin/sh
# Renders deploy/nginx/lotse.conf for an nginx outside docker compose: the
# lines that only make sense inside compose (see the head of lotse.conf) are
# replaced, and a minimal main configuration includes the result.
#
# Usage:
#   sh deploy/nginx/render.sh UPSTREAM1 UPSTREAM2 LISTEN CACHE_DIR ACCESS_LOG OUT_DIR
#
#   UPSTREAM1, UPSTREAM2  the two API replicas, replacing `api1:8080` and
#                         `api2:8080` (e.g. 127.0.0.1:18081)
#   LISTEN                replaces the `80` of `listen 80;`: a port (all
#                         interfaces, as nginx reads it) or ADDRESS:PORT
#                         (e.g. 127.0.0.1:18080)
#   CACHE_DIR             replaces /var/cache/nginx/lotse in proxy_cache_path
#   ACCESS_LOG            replaces /var/log/nginx/access.log
#   OUT_DIR               where to write (created if missing)
#
# Writes OUT_DIR/lotse.conf (the snippet with the five lines replaced) and
# OUT_DIR/nginx.conf (the main configuration: pid, error log and nginx's
# temporary directories in OUT_DIR, then `http { include lotse.conf; }`).
# Creates CACHE_DIR and the directory of ACCESS_LOG if missing. Relative
# paths are taken from the current directory. Then:
#
#   nginx -t -c OUT_DIR/nginx.conf -p OUT_DIR            # check
#   nginx -c OUT_DIR/nginx.conf -p OUT_DIR -g 'daemon off;'  # run
#
# Each line to replace must occur exactly once in lotse.conf, else nothing is
# written and the exit status is 1 (a wrong argument: 2). Values may hold
# only letters, digits and . _ : / - (upstreams and LISTEN also [ ] for
# IPv6): nothing that could end a directive or change the sed expressions.
# Rendered by root, the main configuration says `user root;`: nginx would
# otherwise run its workers as `nobody`, who cannot reach directories such
# as those of `mktemp -d` (mode 0700), and every cache write would fail with
# a 500. The rendered files are for tests and checks, not for production.
#
# Used by api/tests/topology.rs (two `lotse serve` behind nginx) and to check
# lotse.conf with `nginx -t` where the compose host names do not resolve.
# POSIX sh.
set -eu
export LC_ALL=C

me=render.sh
die() {
    printf '%s: %s\n' "$me" "$*" >&2
    exit 1
}
usage() {
    printf 'usage: %s UPSTREAM1 UPSTREAM2 LISTEN CACHE_DIR ACCESS_LOG OUT_DIR\n' "$me" >&2
    exit 2
}

[ "$#" -eq 6 ] || usage

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || die "cannot find the script's directory"
src=$here/lotse.conf
[ -r "$src" ] || die "cannot read $src"

# $1: what, $2: value. Letters, digits and . _ : / - ; [ ] when $3 is "brackets".
checked() {
    case $3 in
    brackets)
        case $2 in
        '' | *[!]A-Za-z0-9._:[/-]*) printf '%s: %s %s: empty or a character other than letters, digits and . _ : / - [ ]\n' "$me" "$1" "$2" >&2; exit 2 ;;
        esac ;;
    *)
        case $2 in
        '' | *[!A-Za-z0-9._:/-]*) printf '%s: %s %s: empty or a character other than letters, digits and . _ : / -\n' "$me" "$1" "$2" >&2; exit 2 ;;
        esac ;;
    esac
}

# An absolute path for $1 (taken from the current directory if relative).
absolute() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

up1=$1
up2=$2
listen=$3
cache=$(absolute "$4")
log=$(absolute "$5")
out=$(absolute "$6")
checked UPSTREAM1 "$up1" brackets
checked UPSTREAM2 "$up2" brackets
checked LISTEN "$listen" brackets
case $listen in
*[0-9]) ;;
*) printf '%s: LISTEN %s: must end in a port number\n' "$me" "$listen" >&2; exit 2 ;;
esac
checked CACHE_DIR "$cache" plain
checked ACCESS_LOG "$log" plain
checked OUT_DIR "$out" plain

# The lines to replace, as basic regular expressions matching one whole
# directive each (leading blanks kept by \1), and their replacements.
re_up1='^\([[:space:]]*server[[:space:]]\{1,\}\)api1:8080\([[:space:]]\)'
re_up2='^\([[:space:]]*server[[:space:]]\{1,\}\)api2:8080\([[:space:]]\)'
re_listen='^\([[:space:]]*listen[[:space:]]\{1,\}\)80;[[:space:]]*$'
re_cache='^\([[:space:]]*proxy_cache_path[[:space:]]\{1,\}\)/var/cache/nginx/lotse\([[:space:]]\)'
re_log='^\([[:space:]]*access_log[[:space:]]\{1,\}\)/var/log/nginx/access\.log\([[:space:]]\)'

for pair in "upstream api1:8080|$re_up1" "upstream api2:8080|$re_up2" "listen 80|$re_listen" \
    "proxy_cache_path /var/cache/nginx/lotse|$re_cache" "access_log /var/log/nginx/access.log|$re_log"; do
    what=${pair%%|*}
    re=${pair#*|}
    n=$(grep -c -e "$re" "$src" || true)
    [ "$n" -eq 1 ] || die "$src: the line with '$what' occurs $n times, not once; lotse.conf changed, update render.sh"
done

mkdir -p -- "$out" "$cache" "$(dirname -- "$log")" || die "cannot create $out, $cache or the directory of $log"

tmp=$out/.lotse.conf.$$
trap 'rm -f -- "$tmp" "$tmp.main"' EXIT
sed -e "s|$re_up1|\\1$up1\\2|" \
    -e "s|$re_up2|\\1$up2\\2|" \
    -e "s|$re_listen|\\1$listen;|" \
    -e "s|$re_cache|\\1$cache\\2|" \
    -e "s|$re_log|\\1$log\\2|" \
    "$src" >"$tmp" || die "sed failed"

# What compose alone resolves or only root may write must be gone from the
# directives (comments still name them).
if grep -v -e '^[[:space:]]*#' "$tmp" | grep -q -e 'api[12]:8080' -e '/var/cache/nginx' -e '/var/log/nginx' -e 'listen[[:space:]]\{1,\}80;'; then
    die "a line was not replaced in $tmp"
fi

# Workers as root when rendered by root (see the head of this script).
user=''
if [ "$(id -u)" -eq 0 ]; then
    user='user root;'
fi

cat >"$tmp.main" <<EOF
# Written by deploy/nginx/render.sh from deploy/nginx/lotse.conf; do not edit.
#   nginx -t -c $out/nginx.conf -p $out
#   nginx -c $out/nginx.conf -p $out -g 'daemon off;'
$user
worker_processes 1;
pid $out/nginx.pid;
error_log $out/error.log warn;

events {
    worker_connections 1024;
}

http {
    # nginx's compiled-in temporary directories (Debian: /var/lib/nginx/…)
    # are root's; these are the caller's.
    client_body_temp_path $out/client_body_temp;
    proxy_temp_path $out/proxy_temp;
    fastcgi_temp_path $out/fastcgi_temp;
    uwsgi_temp_path $out/uwsgi_temp;
    scgi_temp_path $out/scgi_temp;

    include $out/lotse.conf;
}
EOF

mv -f -- "$tmp" "$out/lotse.conf"
mv -f -- "$tmp.main" "$out/nginx.conf"
trap - EXIT
printf '%s: wrote %s/nginx.conf and %s/lotse.conf\n' "$me" "$out" "$out"
