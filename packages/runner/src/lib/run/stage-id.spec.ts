import { isStageId, parseStageId, roundStage, stageFileName, stageFromFileName, stageRound } from './stage-id';

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

  it('recognises the four id forms and nothing else; parseStageId names what it parsed', () => {
    for (const s of ['round0/train-source', 'round12/evaluate', 'oracle/evaluate', 'adapt', 'evaluate']) expect(isStageId(s)).toBe(true);
    for (const s of ['round/evaluate', 'roundx/evaluate', 'round1', 'round1/', 'oracle', 'adapt/x', 'train', '']) expect(isStageId(s)).toBe(false);
    expect(parseStageId('round2/evaluate', '--eval-stage')).toBe('round2/evaluate');
    expect(() => parseStageId('round2', '--eval-stage')).toThrow("--eval-stage: expected a stage id (round<k>/<step>, oracle/<step>, adapt or evaluate), received 'round2'");
  });
});
