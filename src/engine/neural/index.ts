/** What the layers above use of neural/: the network, its training and its evaluation. */
export { ACTIVATIONS, type Activation } from './activations';
export { TrainingCancelled, TrainingDiverged } from './errors';
export { chanceLoss, classificationMetrics, evaluate, type Evaluation } from './evaluate';
export { Mlp, type MlpConfig } from './mlp';
export { train, type TrainingProgress, type TrainOptions } from './train';
