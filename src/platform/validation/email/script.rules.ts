/**
 * UTS #39 mixed-script detection on top of the Unicode data the JavaScript engine already has
 * (`\p{Script_Extensions=...}`), so no table of our own can go stale.
 */

/** Unicode script names (long aliases); those the engine does not know are skipped. */
const SCRIPT_NAMES = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum', 'Bassa_Vah', 'Batak', 'Bengali',
  'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid', 'Canadian_Aboriginal', 'Carian', 'Caucasian_Albanian', 'Chakma',
  'Cham', 'Cherokee', 'Chorasmian', 'Coptic', 'Cuneiform', 'Cypriot', 'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru',
  'Dogra', 'Duployan', 'Egyptian_Hieroglyphs', 'Elbasan', 'Elymaic', 'Ethiopic', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek',
  'Gujarati', 'Gunjala_Gondi', 'Gurmukhi', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana',
  'Imperial_Aramaic', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi', 'Kannada', 'Katakana', 'Kawi',
  'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki', 'Khudawadi', 'Lao', 'Latin', 'Lepcha', 'Limbu', 'Linear_A',
  'Linear_B', 'Lisu', 'Lycian', 'Lydian', 'Mahajani', 'Makasar', 'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi',
  'Medefaidrin', 'Meetei_Mayek', 'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao', 'Modi', 'Mongolian', 'Mro',
  'Multani', 'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari', 'New_Tai_Lue', 'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong',
  'Ogham', 'Ol_Chiki', 'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian',
  'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur', 'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau',
  'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic', 'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham',
  'SignWriting', 'Sinhala', 'Sogdian', 'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac', 'Tagalog', 'Tagbanwa',
  'Tai_Le', 'Tai_Tham', 'Tai_Viet', 'Takri', 'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana', 'Thai', 'Tibetan', 'Tifinagh', 'Tirhuta',
  'Toto', 'Ugaritic', 'Vai', 'Vithkuqi', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
];

const SCRIPTS: { name: string; pattern: RegExp }[] = SCRIPT_NAMES.flatMap((name) => {
  try {
    return [{ name, pattern: new RegExp(`^\\p{Script_Extensions=${name}}$`, 'u') }];
  } catch {
    return [];
  }
});

const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/**
 * UTS #39's augmented script sets: a Han character also counts as Japanese (Jpan), Chinese with
 * Bopomofo (Hanb) and Korean (Kore); kana as Japanese; Hangul as Korean; Bopomofo as Hanb. So the
 * normal mix of Han and kana in Japanese is one script, and Han with Hangul is Korean.
 */
const AUGMENT: Record<string, string[]> = { Han: ['Hanb', 'Jpan', 'Kore'], Hiragana: ['Jpan'], Katakana: ['Jpan'], Hangul: ['Kore'], Bopomofo: ['Hanb'] };

/** The scripts a code point belongs to (augmented), or null for Common/Inherited (any script). */
function scriptsOf(char: string): Set<string> | null {
  if (COMMON_OR_INHERITED.test(char)) {
    // Script_Extensions narrows some Common characters (the Japanese long vowel mark, CJK punctuation).
    const narrowed = SCRIPTS.filter(({ pattern }) => pattern.test(char)).map(({ name }) => name);
    if (narrowed.length === 0) return null;
    return new Set(narrowed.flatMap((name) => [name, ...(AUGMENT[name] ?? [])]));
  }
  const names = SCRIPTS.filter(({ pattern }) => pattern.test(char)).map(({ name }) => name);
  return new Set(names.flatMap((name) => [name, ...(AUGMENT[name] ?? [])]));
}

/** UTS #39 "Highly Restrictive" also admits Latin with each of the CJK writing systems. */
const HIGHLY_RESTRICTIVE_COVERS = [new Set(['Latin', 'Han', 'Hiragana', 'Katakana', 'Jpan']), new Set(['Latin', 'Han', 'Bopomofo', 'Hanb']), new Set(['Latin', 'Han', 'Hangul', 'Kore'])];

/**
 * Whether `text` passes UTS #39's Highly Restrictive level: all of it in one script (Common and
 * Inherited characters go with any), or Latin mixed only with Han and kana, Han and Bopomofo, or
 * Han and Hangul. A Latin name with one Cyrillic "о" fails; "josé" and "山田taro" pass.
 */
export function isHighlyRestrictive(text: string): boolean {
  // ASCII letters and digits are Latin or Common: nothing to mix.
  if (/^[\x00-\x7f]*$/.test(text)) return true;
  const sets = [...text].map(scriptsOf).filter((set): set is Set<string> => set !== null);
  if (sets.length === 0) return true;
  let resolved = new Set(sets[0]);
  for (const set of sets.slice(1)) resolved = new Set([...resolved].filter((script) => set.has(script)));
  if (resolved.size > 0) return true;
  return HIGHLY_RESTRICTIVE_COVERS.some((cover) => sets.every((set) => [...set].some((script) => cover.has(script))));
}
