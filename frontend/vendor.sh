#!/usr/bin/env bash
# Vendor pinned front-end libraries from npm into static/vendor/.
# Versions are pinned in frontend/package.json + package-lock.json.
# Nothing is loaded from a CDN at run time; source maps are not shipped.
#
# Usage (from anywhere):  bash frontend/vendor.sh
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${FRONTEND_DIR}/.." && pwd)"
NM="${FRONTEND_DIR}/node_modules"
DEST="${REPO_ROOT}/static/vendor"

cd "${FRONTEND_DIR}"
# Install exactly what package-lock.json pins (lockfile carries no registry URLs;
# npm uses whatever registry is configured on this machine).
npm ci --no-audit --no-fund

# copy SRC DEST_DIR [NAME] -- copy a file, stripping source-map comments.
copy() {
  local src="$1" dir="$2" name="${3:-$(basename "$1")}"
  [[ -f "${src}" ]] || { echo "vendor.sh: missing ${src}" >&2; exit 1; }
  mkdir -p "${dir}"
  case "${name}" in
    *.js|*.css)
      # Drop `//# sourceMappingURL=...` and `/*# sourceMappingURL=... */` so that
      # ManifestStaticFilesStorage does not look for .map files we do not ship.
      sed -E \
        -e '/^[[:space:]]*\/\/[#@][[:space:]]*sourceMappingURL=.*$/d' \
        -e 's#/\*[#@][[:space:]]*sourceMappingURL=[^*]*\*/##g' \
        "${src}" > "${dir}/${name}"
      if grep -q 'sourceMappingURL' "${dir}/${name}"; then
        echo "vendor.sh: sourceMappingURL still present in ${dir}/${name}" >&2
        exit 1
      fi
      ;;
    *)
      cp "${src}" "${dir}/${name}"
      ;;
  esac
}

# Start from a clean slate for the directories this script owns.
rm -rf "${DEST}/bootstrap" "${DEST}/chartjs" "${DEST}/signature_pad" "${DEST}/fullcalendar"

# Bootstrap (bundle includes Popper)
copy "${NM}/bootstrap/dist/css/bootstrap.min.css"      "${DEST}/bootstrap"
copy "${NM}/bootstrap/dist/js/bootstrap.bundle.min.js" "${DEST}/bootstrap"
copy "${NM}/bootstrap/LICENSE"                         "${DEST}/bootstrap"

# Chart.js (UMD build -> window.Chart)
copy "${NM}/chart.js/dist/chart.umd.min.js" "${DEST}/chartjs"
copy "${NM}/chart.js/LICENSE.md"            "${DEST}/chartjs"

# signature_pad (UMD build -> window.SignaturePad)
copy "${NM}/signature_pad/dist/signature_pad.umd.min.js" "${DEST}/signature_pad"
copy "${NM}/signature_pad/LICENSE"                       "${DEST}/signature_pad"

# FullCalendar standard bundle (-> window.FullCalendar). v6 injects its own CSS
# from JS, so there is no stylesheet to copy.
copy "${NM}/fullcalendar/index.global.min.js" "${DEST}/fullcalendar"
copy "${NM}/fullcalendar/LICENSE.md"          "${DEST}/fullcalendar"

echo "Vendored into ${DEST}:"
for pkg in bootstrap chart.js signature_pad fullcalendar; do
  printf '  %-14s %s\n' "${pkg}" "$(node -p "require('${NM}/${pkg}/package.json').version")"
done
