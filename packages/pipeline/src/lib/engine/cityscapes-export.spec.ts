import { cityscapesPredictionName, TRAIN_ID_TO_LABEL_ID, trainIdsToLabelIds } from './cityscapes-export';
import { parseShard } from './inference';

describe('Cityscapes export and shards', () => {
  it('trainId → labelId inverts SPEC §5 (7→0 … 33→18); 255 → 0', () => {
    // SPEC §5 table, labelId → trainId.
    const spec: Record<number, number> = { 7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18 };
    for (const [labelId, trainId] of Object.entries(spec)) expect(TRAIN_ID_TO_LABEL_ID[trainId]).toBe(Number(labelId));
    expect(Array.from(trainIdsToLabelIds(Uint8Array.from([0, 13, 18, 255])))).toEqual([7, 26, 33, 0]);
  });

  it('prediction files are named <city>_<seq>_<frame>_leftImg8bit.png, as cityscapesScripts matches them', () => {
    expect(cityscapesPredictionName('val/frankfurt/frankfurt_000000_000294_leftImg8bit.png')).toBe('frankfurt_000000_000294_leftImg8bit.png');
    expect(() => cityscapesPredictionName('images/00001.png')).toThrow(/not named <city>_<seq>_<frame>/);
  });

  it('--shard i/n parses 0-based shards and rejects i ≥ n', () => {
    expect(parseShard('3/16')).toEqual({ rank: 3, worldSize: 16 });
    expect(() => parseShard('16/16')).toThrow(/0 ≤ i < n/);
    expect(() => parseShard('a/b')).toThrow(/expected i\/n/);
  });
});
