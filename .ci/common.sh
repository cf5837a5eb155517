# Shared by .ci/run, .ci/test, .ci/demo, .ci/bench and .ci/pot. Sourced, not executed.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=${ADDON:-after_sales_service}
BUILD=${BUILD:-$ROOT/.build}
ADDONS_DIR=${ADDONS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/after_sales_service/addons-$(printf %s "$ROOT" | sha1sum | cut -c1-8)}
PYTHON=${PYTHON:-python3}

die() {
  echo "ERROR: $*" >&2
  exit 1
}

# Odoo 19 must be importable by the Python that runs the commands (see README, Prerequisites).
require_odoo() {
  local version
  if ! version=$("$PYTHON" -c 'import odoo.release as r; print(r.version)' 2>/dev/null); then
    die "Odoo is not importable by '$PYTHON'. Install Odoo 19.0 from source into that Python (README.md, Prerequisites); nothing can be tested without it."
  fi
  case "$version" in
    19.0*) ;;
    *) die "'$PYTHON' imports Odoo $version; this addon needs Odoo 19.0." ;;
  esac
}

link_addon() {
  mkdir -p "$ADDONS_DIR"
  ln -sfn "$ROOT" "$ADDONS_DIR/$ADDON"
}

# Start the local PostgreSQL cluster when it is not answering, and make sure the current user has a
# superuser role (Odoo creates and drops databases).
ensure_postgres() {
  if ! command -v pg_isready >/dev/null 2>&1; then
    die "PostgreSQL is not installed (apt-get install postgresql)."
  fi
  if ! pg_isready -q; then
    if [ "$(id -u)" -eq 0 ] && command -v pg_lsclusters >/dev/null 2>&1; then
      local cluster
      cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
      if [ -z "$cluster" ]; then
        local major
        major=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
        pg_createcluster "$major" main >/dev/null
        cluster="$major main"
      fi
      # shellcheck disable=SC2086
      pg_ctlcluster $cluster start || die "PostgreSQL could not be started (pg_ctlcluster $cluster start)."
    fi
    for _ in $(seq 1 30); do
      pg_isready -q && break
      sleep 1
    done
    pg_isready -q || die "PostgreSQL is not answering and could not be started; start it and retry."
  fi
  if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
      su postgres -c "createuser -s $(id -un)" >/dev/null 2>&1 || true
    fi
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1 ||
      die "Cannot connect to PostgreSQL as $(id -un); create a superuser role for this user."
  fi
}

db_exists() {
  [ "$(psql -d postgres -Atc "select 1 from pg_database where datname = '$1'")" = "1" ]
}

# The modules our manifest depends on, comma separated.
manifest_depends() {
  "$PYTHON" - "$ROOT/__manifest__.py" <<'PY'
import ast, sys
manifest = ast.literal_eval(open(sys.argv[1], encoding="utf-8").read())
print(",".join(manifest["depends"]))
PY
}

odoo_bin() {
  "$PYTHON" -m odoo "$@"
}
