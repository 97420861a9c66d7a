// The navigation sections, one module each under sections/.
import dashboard from './sections/dashboard.js';
import content from './sections/content.js';
import calendar from './sections/calendar.js';
import analytics from './sections/analytics.js';
import billing from './sections/billing.js';
import graph from './sections/graph.js';
import system from './sections/system.js';
import settings from './sections/settings.js';
import users from './sections/users.js';
import keys from './sections/keys.js';
import audit from './sections/audit.js';

export const sections = { dashboard, content, calendar, analytics, billing, graph, system, users, keys, audit, settings };
