import { describe, expect, it } from 'vitest';
import { keepHeadCard, takeHeadCard } from './idcard';
import type { IdCardFill } from './types';

const card: IdCardFill = {
  personal_id: '001085001234',
  full_name: 'Nguyễn Văn Đức',
  date_of_birth: '12/04/1985',
  sex: 'male',
  address: 'Thôn Đông, xã Sóc Sơn, Hà Nội',
};

describe("the head's ID card kept for the new household's first person", () => {
  it('fills the first person of that household once', () => {
    keepHeadCard('h1', card);
    expect(takeHeadCard('h1')).toEqual(card);
    expect(takeHeadCard('h1')).toBeNull();
  });

  it('is not offered to another household, and a later card replaces it', () => {
    keepHeadCard('h1', card);
    expect(takeHeadCard('h2')).toBeNull();
    keepHeadCard('h2', { ...card, full_name: 'Trần Thị Hoa' });
    expect(takeHeadCard('h1')).toBeNull();
    expect(takeHeadCard('h2')?.full_name).toBe('Trần Thị Hoa');
  });
});
