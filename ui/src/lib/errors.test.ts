import { describe, expect, it } from 'vitest';
import { fieldMessages, messageFor } from './errors';
import vi from './i18n/vi.json';
import en from './i18n/en.json';
import rustCodes from './generated/error-codes.json';

type Dict = Record<string, unknown>;

function lookup(dict: Dict, key: string): string | undefined {
  let node: unknown = dict;
  for (const part of key.split('.')) {
    if (node && typeof node === 'object' && part in (node as Dict)) node = (node as Dict)[part];
    else return undefined;
  }
  return typeof node === 'string' ? node : undefined;
}

function keys(dict: Dict, prefix = ''): string[] {
  return Object.entries(dict).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v as Dict, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** A tiny translator over a dictionary, filling `{name}` placeholders. */
function translator(dict: Dict) {
  const t = (key: string, options?: { values?: Record<string, string | number> }) => {
    const text = lookup(dict, key) ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(options?.values?.[name] ?? `{${name}}`));
  };
  const has = (key: string) => lookup(dict, key) !== undefined;
  return { t, has };
}

describe('error codes', () => {
  it('every code the Rust side can send has a Vietnamese and an English message', () => {
    expect(rustCodes.length).toBeGreaterThan(60);
    const missingVi = rustCodes.filter((code: string) => lookup(vi, `errors.${code}`) === undefined);
    const missingEn = rustCodes.filter((code: string) => lookup(en, `errors.${code}`) === undefined);
    expect(missingVi).toEqual([]);
    expect(missingEn).toEqual([]);
  });

  it('the message is chosen by code and filled with the error params, never by its text', () => {
    const { t, has } = translator(vi);
    const err = {
      code: 'income_below_floor',
      message: 'any text at all',
      field: 'monthly_income',
      params: { floor: '1.500.000 ₫', ceiling: '50.600.000 ₫' },
    };
    expect(messageFor(err, t, has)).toBe(
      'Mức thu nhập thấp hơn mức tối thiểu. Hãy chọn từ 1.500.000 ₫ đến 50.600.000 ₫.',
    );
  });

  it('a template whose numbers did not come with the error gives way to its own message', () => {
    const { t, has } = translator(vi);
    const err = {
      code: 'income_below_floor',
      message: 'Mức thu nhập làm căn cứ đóng thấp nhất là 1.500.000 ₫.',
      field: 'monthly_income',
    };
    expect(messageFor(err, t, has)).toBe('Mức thu nhập làm căn cứ đóng thấp nhất là 1.500.000 ₫.');
  });

  it("an unknown code shows the library's own message", () => {
    const { t, has } = translator(vi);
    expect(messageFor({ code: 'brand_new_code', message: 'Lỗi mới.' }, t, has)).toBe('Lỗi mới.');
  });

  it('marks every refused field of a record, first message per field', () => {
    const { t, has } = translator(vi);
    const messages = fieldMessages(
      {
        code: 'cccd_length',
        message: '…',
        field: 'personal_id',
        fields: [
          { field: 'personal_id', code: 'cccd_length', message: '…' },
          { field: 'phone', code: 'phone_format', message: '…' },
          { field: 'phone', code: 'phone_prefix', message: '…' },
        ],
      },
      t,
      has,
    );
    expect(messages).toEqual({
      personal_id: 'Số định danh cá nhân phải gồm đúng 12 chữ số.',
      phone: 'Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (hoặc +84).',
    });
    expect(fieldMessages(null, t, has)).toEqual({});
  });
});

describe('dictionaries', () => {
  it('Vietnamese and English have the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(vi).sort());
  });

  it('the Vietnamese dictionary is written with diacritics', () => {
    // A Vietnamese sentence without a single diacritic is almost always a slip into ASCII.
    const plain = keys(vi)
      .map((k) => [k, lookup(vi, k)!] as const)
      .filter(([, text]) => text.split(' ').length >= 4)
      .filter(([, text]) => !/[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i.test(text));
    expect(plain).toEqual([]);
  });
});
