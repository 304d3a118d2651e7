/**
 * Writes the regime data set (built by our code from a seed) as CSV for the
 * scikit-learn oracle: `node dist/test/oracles/regime-dataset.js OUT.csv`.
 * Columns: the features, then label, then split (train/test); the hash goes to stdout.
 */
import { writeFileSync } from 'node:fs';
import { buildRegimeDataset } from '../../engine/analytics/regime-dataset.js';
import { REGIME_FEATURES } from '../../engine/analytics/regime-features.js';

const out = process.argv[2];
if (!out) throw new Error('usage: regime-dataset.js OUT.csv');
const d = buildRegimeDataset();
const rows = d.X.map((x, i) => [...x, d.y[i], i < d.trainCount ? 'train' : 'test'].join(','));
writeFileSync(out, [[...REGIME_FEATURES, 'label', 'split'].join(','), ...rows].join('\n') + '\n');
process.stdout.write(d.hash + '\n');
