# Sourced by .ci/run and .ci/matrix.sh: `part NAME COMMAND...` runs one step of the run under a heading and
# records how long it took; the times are printed when the script ends, also when a part failed.
PARTS=()
PARTS_STARTED=$SECONDS

part() {
  local name="$1" start=$SECONDS
  shift
  echo "::: $name"
  if ! "$@"; then
    PARTS+=("$(printf '%5ss  %s  FAILED' $((SECONDS - start)) "$name")")
    exit 1
  fi
  PARTS+=("$(printf '%5ss  %s' $((SECONDS - start)) "$name")")
}

report_parts() {
  echo "::: $1: $((SECONDS - PARTS_STARTED))s in all"
  printf '%s\n' "${PARTS[@]}"
}
