// The spellings of an id tag that differ from it only in the case of letters outside ASCII, for
// the SQL that finds a tag's sessions whatever its case (`upper(id_tag) in (upper(?), …)`).
//
// OCPP's IdToken is case-insensitive, and the sessions' tags are compared by the database's
// upper(), which their indexes are built on. PostgreSQL's folds every letter (a UTF-8 LC_CTYPE),
// SQLite's ASCII letters only: `zé` and `ZÉ` were one card on PostgreSQL and two on SQLite, which
// let a card charge twice at once there. Overriding SQLite's upper() would make its indexes
// disagree with any other program that opens the file (the sqlite3 shell's integrity_check, a
// backup's check, would call them corrupt), and a column of folded tags would rewrite every
// session ever stored. So the query names each spelling instead: upper() folds the ASCII letters
// on either store, and the list the others. On PostgreSQL they all fold to one value, so its
// answer is the same as before; on one whose LC_CTYPE is C (ASCII only) they now fold too.
//
// A letter's forms are the one-letter upper and lower cases of it and of its upper case (`ς` gives
// `Σ` and `σ`). A case mapping to several letters (`ß` → `SS`) is not one: PostgreSQL's upper()
// keeps `ß` too. Letters whose other case is ASCII (`ı`, `ſ`, the Kelvin sign) are folded only
// when the tag asked for has them, not when the stored one has: exotic in a card's tag.

/** At most this many spellings: a tag with more letters outside ASCII than fit compares the rest as written. */
export const MAX_ID_TAG_SPELLINGS = 64;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

const oneLetter = (text: string) => text.length === 1 || (text.length === 2 && text.codePointAt(0)! > 0xffff);

/** The letter itself first, then its other single-letter cases. */
function forms(letter: string): string[] {
  if (letter.charCodeAt(0) < 0x80) return [letter];
  const found = new Set([letter]);
  for (const other of [letter.toUpperCase(), letter.toLowerCase()]) {
    if (!oneLetter(other)) continue;
    found.add(other);
    for (const again of [other.toUpperCase(), other.toLowerCase()]) if (oneLetter(again)) found.add(again);
  }
  return [...found];
}

/**
 * The tag as given first, then its other spellings (none for a tag in ASCII, by far the most
 * common: the same single comparison as ever).
 */
export function idTagSpellings(idTag: string): string[] {
  if (ASCII_ONLY.test(idTag)) return [idTag];
  let spellings = [''];
  for (const letter of idTag) {
    const options = forms(letter);
    const kept = spellings.length * options.length <= MAX_ID_TAG_SPELLINGS ? options : [letter];
    spellings = spellings.flatMap((start) => kept.map((form) => start + form));
  }
  return spellings;
}
