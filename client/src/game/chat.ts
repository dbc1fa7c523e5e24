import { CHAT_MAX_LENGTH } from '@tilemud/contracts';

// The server counts chat text as the contract's ChatTextSchema does: trimmed, in Unicode code
// points (an emoji is one), at most CHAT_MAX_LENGTH. The field counts the same way, so what it
// lets through is what the server accepts.

export function chatLength(text: string): number {
  return [...text.trim()].length;
}

/** The text cut to what may be sent: leading space kept (trimmed anyway), at most the limit in code points after it. */
export function clampChat(text: string, max = CHAT_MAX_LENGTH): string {
  if (chatLength(text) <= max) return text;
  const body = text.trimStart();
  return text.slice(0, text.length - body.length) + [...body].slice(0, max).join('');
}
