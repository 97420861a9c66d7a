// The navigation sections, one module each under sections/.
import dashboard from './sections/dashboard.js';
import content from './sections/content.js';
import calendar from './sections/calendar.js';
import analytics from './sections/analytics.js';
import billing from './sections/billing.js';
import graph from './sections/graph.js';
import system from './sections/system.js';
import settings from './sections/settings.js';

export const sections = { dashboard, content, calendar, analytics, billing, graph, system, settings };
