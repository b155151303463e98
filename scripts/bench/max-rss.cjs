// Preloaded into a measured CLI process (node --require): at exit, writes the process's peak RSS in kB to
// $POLECAT_BENCH_RSS_FILE, as getrusage(2) counts it (the CLI alone, not the tmux or agent processes it starts).
const { writeFileSync } = require('node:fs');

const file = process.env.POLECAT_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
