export { ACTIVATIONS, type Activation } from './activations';
export type { Labels } from './dataset';
export { MONITORS, type EarlyStoppingConfig, type Monitor } from './earlyStopping';
export { TrainingCancelled, TrainingDiverged } from './errors';
export { chanceLoss, classificationMetrics, evaluate, type ClassMetrics, type ClassificationMetrics, type Evaluation } from './evaluate';
export { Mlp, MlpConfigSchema, type MlpConfig, type MlpJson } from './mlp';
export { OPTIMIZERS, type OptimizerName } from './optimizers';
export { train, type TrainingProgress, type TrainingResult, type TrainOptions } from './train';
export type { TrainingHistory } from './trainingState';
