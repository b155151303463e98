/** Shows an argv the way a user could paste it into a shell; control characters are escaped so they cannot forge lines. */
export function formatCommand(argv: readonly string[], maxLength = 400): string {
  const text = argv.map(quoteForDisplay).join(' ');
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

function quoteForDisplay(arg: string): string {
  const visible = arg.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const shortened = visible.length > 200 ? `${visible.slice(0, 200)}…` : visible;
  return /^[\w@%+=:,./#{}^-]+$/.test(shortened) ? shortened : `'${shortened.replace(/'/g, `'\\''`)}'`;
}
