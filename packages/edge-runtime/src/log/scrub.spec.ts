import { describe, expect, it } from 'vitest';
import { REDACTED, redactCards, redactEmails, scrubText } from './scrub';

// The regexes the scanners replace: their matches are the contract, their backtracking is not.
const EMAIL_REGEX = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD_REGEX = /\b\d(?:[ -]?\d){12,18}\b/g;
function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
const referenceEmails = (text: string) => text.replace(EMAIL_REGEX, REDACTED);
const referenceCards = (text: string) => text.replace(CARD_REGEX, (m) => (luhnOk(m.replace(/[ -]/g, '')) ? REDACTED : m));

/** A small deterministic PRNG, so a failing input can be reproduced from its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function randomText(next: () => number, alphabet: string[], length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text;
}

describe('scrubText in linear time', () => {
  it('finds exactly the emails the regex finds, on 20,000 random texts made of the characters that matter', () => {
    const alphabet = ['a', 'b', 'Z', '1', '.', '-', '_', '%', '+', '@', ' ', 'x.io', 'q@w.co', '@@', '..'];
    for (let seed = 1; seed <= 20_000; seed++) {
      const next = random(seed);
      const text = randomText(next, alphabet, 1 + Math.floor(next() * 30));
      expect(redactEmails(text), `seed ${seed}: ${JSON.stringify(text)}`).toBe(referenceEmails(text));
    }
  });

  it('finds exactly the card numbers the regex finds (Luhn-valid, 13-19 digits, single separators)', () => {
    const alphabet = ['4', '1', '0', '7', ' ', '-', '  ', 'a', '_', '4111 1111 1111 1111', '4111-1111-1111-1111', '378282246310005'];
    for (let seed = 1; seed <= 20_000; seed++) {
      const next = random(seed);
      const text = randomText(next, alphabet, 1 + Math.floor(next() * 25));
      expect(redactCards(text), `seed ${seed}: ${JSON.stringify(text)}`).toBe(referenceCards(text));
    }
  });

  it('scrubs 2 MB of adversarial text (long runs of allowed characters, many @, many digits) without backtracking', () => {
    // Each of these took the regex scrubber from seconds to tens of minutes at 2 MB.
    const size = 2_000_000;
    const shapes = ['a', 'a.', 'a@', '@a.', '1', '4 ', '1-', 'Bearer ', 'a@b.', 'ab.c@d.ef x '];
    for (const unit of shapes) {
      const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
      const out = scrubText(text, { secretValues: ['sk_live_very_secret_value'] });
      expect(out.length).toBeGreaterThan(0);
    }
    // And what is there is still found in the middle of it.
    const text = `${'a'.repeat(1_000_000)} ada@example.com 4111 1111 1111 1111 ${'9'.repeat(1_000_000)}`;
    expect(scrubText(text)).toBe(`${'a'.repeat(1_000_000)} ${REDACTED} ${REDACTED} ${'9'.repeat(1_000_000)}`);
  });

  it('redacts a secret value, a bearer credential, an email and a card in one line', () => {
    expect(scrubText('k=sk_live_abcdef Authorization: Bearer a.b-c_d~e+f/g== to bo@x.dev card 4111-1111-1111-1111.', { secretValues: ['sk_live_abcdef'] })).toBe(
      `k=${REDACTED} Authorization: Bearer ${REDACTED} to ${REDACTED} card ${REDACTED}.`,
    );
  });
});
