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
// A letter's forms are the one-letter upper and lower cases of it and of its upper case, and
// every letter with the same upper case (`σ` gives `Σ` and `ς`). A case mapping to several letters
// (`ß` → `SS`) is not one: PostgreSQL's upper() keeps `ß` too. Letters whose other case is ASCII
// (`ı`, `ſ`, the Kelvin sign) are folded only when the tag asked for has them, not when the stored
// one has, on SQLite: a tag in ASCII keeps its one comparison. PostgreSQL's upper() folds them in
// the stored tag too (`ID1` finds a stored `ıd1` there). Exotic in a card's tag.

/** At most this many spellings: a tag with more letters outside ASCII than fit compares the rest as written. */
export const MAX_ID_TAG_SPELLINGS = 64;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

const oneLetter = (text: string) => text.length === 1 || (text.length === 2 && text.codePointAt(0)! > 0xffff);

/**
 * Every letter outside ASCII by its one-letter upper case, when that differs: the letters a
 * letter's own cases never reach (`ς` and `σ` are both `Σ`, the micro sign `µ` and `μ` both `Μ`).
 * PostgreSQL's upper() folds them alike, so without them a card was one on PostgreSQL and two on
 * SQLite (an audit). Made once, at the first tag outside ASCII (a few milliseconds), from the
 * first plane: no letter past it shares its upper case with another (Unicode 17 of Node 20's ICU,
 * checked over every code point).
 */
let sharingUpperCase: Map<string, string[]> | undefined;

function lettersSharing(upper: string): readonly string[] {
  if (!sharingUpperCase) {
    sharingUpperCase = new Map();
    for (let code = 0x80; code < 0x10000; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const letter = String.fromCharCode(code);
      const up = letter.toUpperCase();
      if (up === letter || !oneLetter(up)) continue;
      const sharing = sharingUpperCase.get(up);
      if (sharing) sharing.push(letter);
      else sharingUpperCase.set(up, [letter]);
    }
  }
  return sharingUpperCase.get(upper) ?? [];
}

/** The letter itself first, then its other single-letter cases, and the letters with the same upper case. */
function forms(letter: string): string[] {
  if (letter.charCodeAt(0) < 0x80) return [letter];
  const found = new Set([letter]);
  for (const other of [letter.toUpperCase(), letter.toLowerCase()]) {
    if (!oneLetter(other)) continue;
    found.add(other);
    for (const again of [other.toUpperCase(), other.toLowerCase()]) if (oneLetter(again)) found.add(again);
  }
  for (const form of [...found]) {
    const upper = form.toUpperCase();
    if (oneLetter(upper)) for (const sharing of lettersSharing(upper)) found.add(sharing);
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
