/**
 * Masks personal values for people who may know that a value exists and roughly what it is, but not the value:
 * 张三 → 张*, 13812345678 → 138****5678, erika@example.com → e***@example.com. Pure string functions; which role
 * sees which field masked is decided in src/access/personal-data.ts.
 *
 * Characters are counted as graphemes (what a reader sees as one letter), so a surname written with a combining
 * accent or outside the Basic Multilingual Plane is kept or masked whole, never cut in half.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const split = (text: string): string[] => Array.from(graphemes.segment(text), (s) => s.segment);

/**
 * Each word keeps its first letter, the rest become `*`: "Erika Mustermann" → "E**** M*********", "张三" → "张*",
 * "欧阳娜娜" → "欧***". A name of one letter is masked whole ("王" → "*"), since its first letter is all of it.
 */
export function maskName(name: string): string {
  const chars = split(name.trim());
  if (chars.length <= 1) return chars.length === 0 ? '' : '*';
  return name.trim().split(/(\s+)/u).map((word) => {
    if (/^\s*$/u.test(word)) return word;
    const [first = '', ...rest] = split(word);
    return first + '*'.repeat(rest.length);
  }).join('');
}

/**
 * Digits become `*` except the first 3 and last 4 of a number with at least 11 digits (a mobile number with its
 * country or network prefix: 138****5678), only the last 4 from 8 digits on, only the last 2 below that. A leading
 * + and the separators stay, so the number keeps its shape: "+49 221 1234567" → "+49 2** ***4567"; one stored in E.164
 * is masked by its parts: "+8613812345678" → "+86 138****5678".
 */
export function maskPhone(phone: string): string {
  // A number stored in E.164 (+8613812345678) is masked as its country code and national number: +86 138****5678.
  const e164 = /^\+\d{8,15}$/.test(phone) ? parsePhoneNumberFromString(phone) : undefined;
  if (e164) return `+${e164.countryCallingCode} ${maskPhone(String(e164.nationalNumber))}`;
  const digits = phone.replace(/\D/g, '').length;
  const head = digits >= 11 ? 3 : 0;
  const tail = digits >= 8 ? 4 : digits >= 5 ? 2 : 0;
  let seen = 0;
  return phone.replace(/\d/g, (d) => {
    seen++;
    return seen <= head || seen > digits - tail ? d : '*';
  });
}

/**
 * The local part keeps its first letter and becomes three stars whatever its length; the domain stays, since it
 * tells a provider (example.com) and not a person: "erika@example.com" → "e***@example.com". A value without an @
 * is masked like a name.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return maskName(email);
  const [first = ''] = split(email.slice(0, at));
  return `${first}***${email.slice(at)}`;
}

/**
 * The first `keep` characters stay, the other letters and digits become `*`, spaces and dashes stay: a postal code
 * keeps its region ("51147" → "51***", "SW1A 1AA" → "SW** ***"), a VAT id its country ("DE123456789" → "DE*********").
 */
export function maskTail(value: string, keep = 2): string {
  return split(value).map((c, i) => (i < keep || !/[\p{L}\p{N}]/u.test(c) ? c : '*')).join('');
}
