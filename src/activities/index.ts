/**
 * The activities a worker registers, in one object: the design activities and the service
 * activities, built from the folders and clients its entry point resolved.
 */
import type { ResearchActivities } from '../domain/activities';
import type { AdmissionSettings } from '../domain/admission';
import type { ClaudeConfig } from '../design/claude/config';
import type { Folders } from '../folders';
import { ServicesClient, servicesUrl } from '../services/client';
import { admissionSettings } from '../temporal/admission';
import { createAdmissionActivities } from './admissionActivities';
import { createDesignActivities } from './designActivities';
import { createServiceActivities } from './serviceActivities';
import { servicesInstances } from './servicesInstances';

export interface ActivityOptions {
  /** The services instance this worker calls (default: KTRDR_SERVICES_URL, else the local default). */
  servicesUrl?: string;
  /** The address other hosts reach that instance at, when it is not `servicesUrl` (a worker beside it calls it on loopback). */
  advertisedServicesUrl?: string;
  folders: Folders;
  /** Claude for design and assessment; without it the offline designer and assessor run. */
  claude?: ClaudeConfig;
  /** Budget and concurrency for a first start of the admission workflow (default: KTRDR_DAILY_BUDGET_USD, KTRDR_MAX_CONCURRENT_CYCLES). */
  admission?: AdmissionSettings;
}

/** The activities a worker runs: design and assessment here, training and backtests on the services at `servicesUrl`. */
export function createActivities(options: ActivityOptions): ResearchActivities {
  return {
    ...createDesignActivities({ folders: options.folders, claude: options.claude }),
    ...createServiceActivities({
      client: new ServicesClient(options.servicesUrl ?? servicesUrl()),
      instanceUrl: options.advertisedServicesUrl,
      instances: servicesInstances,
    }),
    ...createAdmissionActivities({ settings: options.admission ?? admissionSettings(), claude: options.claude !== undefined }),
  };
}
