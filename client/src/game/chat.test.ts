import { CHAT_MAX_LENGTH, ChatTextSchema } from '@tilemud/contracts';
import { chatLength, clampChat } from './chat';

describe('chat length and limit, counted as the server counts', () => {
  it('counts code points after trimming: an emoji is one, surrounding space is none', () => {
    expect(chatLength('  hi  ')).toBe(2);
    expect(chatLength('😀😀')).toBe(2);
    expect(chatLength('\u202Eabc')).toBe(4);
  });

  it('cuts at 280 code points, and what it keeps the contract accepts', () => {
    for (const unit of ['a', '😀', 'é']) {
      const long = unit.repeat(CHAT_MAX_LENGTH + 50);
      const cut = clampChat(long);
      expect(chatLength(cut)).toBe(CHAT_MAX_LENGTH);
      expect(ChatTextSchema.safeParse(cut).success).toBe(true);
      expect(ChatTextSchema.safeParse(clampChat(long + 'x')).success).toBe(true);
    }
    expect(ChatTextSchema.safeParse('a'.repeat(CHAT_MAX_LENGTH + 1)).success).toBe(false);
  });

  it('leaves text within the limit alone, space included', () => {
    const ok = `  ${'a'.repeat(CHAT_MAX_LENGTH)}  `;
    expect(clampChat(ok)).toBe(ok);
    expect(clampChat(`  ${'b'.repeat(CHAT_MAX_LENGTH + 3)}`)).toBe(`  ${'b'.repeat(CHAT_MAX_LENGTH)}`);
  });
});
