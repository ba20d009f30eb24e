#!/usr/bin/env bash
# Usage: scripts/ensure_fonts.sh [PYTHON]
# Make sure the system packages the PDF rendering needs are present:
#   - a Simplified-Chinese font so WeasyPrint can draw Chinese text: the one kuozhao caches
#     from PyPI (justmytype-intl-cjk, `PYTHON -m pipeline.render.font_cache`) when PYTHON is
#     given and has it, else Debian's Noto Sans/Serif CJK (fonts-noto-cjk) as the fallback;
#   - libharfbuzz-subset0 so WeasyPrint subsets fonts with HarfBuzz (byte-reproducible PDFs);
#   - poppler-utils (pdftoppm, pdftotext) to look at and test the PDFs;
#   - fontconfig (fc-list, fc-cache).
# Idempotent and quiet when everything is present. Never fails the build: without root or
# apt-get it prints what to install and exits 0.
set -uo pipefail

missing=()

PYTHON_BIN="${1:-}"

have_packaged_font() {
    [ -n "$PYTHON_BIN" ] && "$PYTHON_BIN" -m pipeline.render.font_cache --check >/dev/null 2>&1
}

have_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

have_deb() {
    command -v dpkg-query >/dev/null 2>&1 \
        && dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

have_harfbuzz_subset() {
    if have_deb libharfbuzz-subset0; then
        return 0
    fi
    # Not a Debian system (or a differently named package): look for the library itself.
    { command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so'; }
}

command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
have_packaged_font || have_cjk_font || missing+=(fonts-noto-cjk)
have_harfbuzz_subset || missing+=(libharfbuzz-subset0)
{ command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } \
    || missing+=(poppler-utils)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_fonts: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq >/dev/null \
        && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        fc-cache -f >/dev/null 2>&1 || true
        if ! have_packaged_font && ! have_cjk_font; then
            echo "ensure_fonts: WARNING: still no Chinese font after install (fc-list :lang=zh is empty)" >&2
        fi
        exit 0
    fi
    echo "ensure_fonts: WARNING: apt-get install failed; install by hand: ${missing[*]}" >&2
    exit 0
fi

cat >&2 <<MSG
ensure_fonts: WARNING: missing system packages: ${missing[*]}
  PDFs need a Chinese font (kuozhao caches one from PyPI: python -m pipeline.render.font_cache;
  else Noto Sans CJK SC); byte-reproducible PDFs need libharfbuzz-subset0;
  poppler-utils gives pdftoppm/pdftotext. On Debian/Ubuntu, as root:
    apt-get install -y --no-install-recommends ${missing[*]}
  then: fc-cache -f
  (Other systems: install a Noto CJK font, HarfBuzz with hb-subset, poppler and fontconfig.)
MSG
exit 0
