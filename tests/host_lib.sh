# host_lib.sh — what the tests/t_host_*.sh scripts add to tests/lib.sh (sourced, not run; it
# sources lib.sh): the host programs under test and the simulated board, started in the
# background and stopped on exit.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HOSTBIN=${HOSTBIN:-$ASAN_BIN/q2mlp-host}
FAKEBIN=${FAKEBIN:-$ASAN_BIN/q2mlp-host-fakeftdi}
SIM=$BIN/q2mlp-board-sim

sim_pid=
at_exit 'if [ -n "$sim_pid" ]; then kill -CONT "$sim_pid" 2>/dev/null; kill "$sim_pid" 2>/dev/null; fi'
# start_sim SOCKET / start_sim --pty LINK: the board sim behind a socket, or a pseudo-terminal
# whose slave LINK names; returns once it is there
start_sim() {
    local opt=--socket ready=-S
    if [ "$1" = --pty ]; then opt=--pty ready=-L; shift; fi
    "$SIM" "$opt" "$1" --max-seconds 600 --quiet 2>"$tmp/sim.log" &
    sim_pid=$!
    for _ in $(seq 200); do test "$ready" "$1" && return 0; sleep 0.05; done
    echo "q2mlp-board-sim $opt did not start:"; cat "$tmp/sim.log"; return 1
}
stop_sim() { kill -CONT "$sim_pid" 2>/dev/null; kill -KILL "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=; }
