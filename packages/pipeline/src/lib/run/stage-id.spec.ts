import { roundStage, stageFileName, stageFromFileName, stageRound } from './stage-id';

describe('stage ids', () => {
  it('builds round ids and reads the round back; other ids have no round', () => {
    expect(roundStage(0, 'train-source')).toBe('round0/train-source');
    expect(roundStage(12, 'evaluate')).toBe('round12/evaluate');
    expect(stageRound('round12/evaluate')).toBe(12);
    expect(stageRound('round0/train-source')).toBe(0);
    expect(stageRound('oracle/evaluate')).toBeUndefined();
    expect(stageRound('xround1/evaluate')).toBeUndefined();
    expect(() => roundStage(-1, 'evaluate')).toThrow(/integer ≥ 0/);
  });

  it("file names replace every '/' with '__' and back (the marker layout stages/round1__evaluate.json)", () => {
    expect(stageFileName('round1/train-segmenter')).toBe('round1__train-segmenter');
    expect(stageFileName('round1/evaluate/shard/0')).toBe('round1__evaluate__shard__0');
    expect(stageFromFileName('round1__train-segmenter')).toBe('round1/train-segmenter');
    expect(stageFromFileName(stageFileName('oracle/evaluate'))).toBe('oracle/evaluate');
  });
});
