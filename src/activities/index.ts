import type { ResearchActivities } from '../domain/activities';
import { ServicesClient, servicesUrl } from '../services/client';
import { createDesignActivities } from './designActivities';
import { createServiceActivities } from './serviceActivities';

/** The activities a worker runs: design and assessment here, training and backtests on the services at `servicesUrl`. */
export function createActivities(options: { servicesUrl?: string; strategiesDir?: string; dataDir?: string } = {}): ResearchActivities {
  return {
    ...createDesignActivities({ strategiesDir: options.strategiesDir, dataDir: options.dataDir }),
    ...createServiceActivities({ client: new ServicesClient(options.servicesUrl ?? servicesUrl()) }),
  };
}
