#!/bin/sh
# The floor of `polecat start` for `npm run bench`: the fewest tmux calls that reach the same outcome. A session on
# a private server runs the agent; its prompt is seen; the text is typed, seen in the input line, submitted with
# Enter and seen to leave it. One new-session (the agent as its command), capture-pane polls, one send-keys -l, one
# send-keys Enter. Polls every 50 ms, as polecat does (pollMs in src/steps/deps.ts). The session is left running.
#
#   floor-start.sh SOCKET SESSION WORKDIR TEXT PROGRAM [ARGS...]
#
# The prompt is the sim agent's: a line `❯ ` (capture-pane trims it to `❯` when empty) holding the input.
set -eu
if [ "$#" -lt 5 ]; then
  echo "usage: floor-start.sh SOCKET SESSION WORKDIR TEXT PROGRAM [ARGS...]" >&2
  exit 2
fi
socket=$1 session=$2 workdir=$3 text=$4
shift 4
poll=0.05
max_polls=1200 # 60 s
nl='
'
target="=$session:"

has_prompt() { case "$nl$screen$nl" in *"$nl❯$nl"* | *"$nl❯ "*) return 0 ;; esac; return 1; }
text_in_input() { case "$nl$screen" in *"$nl❯ $text"*) return 0 ;; esac; return 1; }
ready() { has_prompt; }
arrived() { text_in_input; }
submitted() { has_prompt && ! text_in_input; }

# Looks at the pane (first at once, then every $poll) until the named condition holds.
await() {
  n=0
  while :; do
    screen=$(tmux -u -L "$socket" capture-pane -p -J -t "$target") || {
      echo "floor-start: session $session is gone while waiting for $1 (did the agent exit?)" >&2
      exit 1
    }
    if "$1"; then return 0; fi
    n=$((n + 1))
    if [ "$n" -ge "$max_polls" ]; then
      printf 'floor-start: %s not seen within 60 s; last screen:\n%s\n' "$1" "$screen" >&2
      exit 1
    fi
    sleep "$poll"
  done
}

tmux -u -L "$socket" new-session -d -s "$session" -c "$workdir" -x 200 -y 50 "$@"
await ready
tmux -u -L "$socket" send-keys -l -t "$target" -- "$text"
await arrived
tmux -u -L "$socket" send-keys -t "$target" Enter
await submitted
