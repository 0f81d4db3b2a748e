/**
 * Templates: code and drag-and-drop templates, and rendering them with a context.
 *
 * Known limitations (LocalStack style — what this group does NOT do):
 * - Rendering covers the Django subset Klaviyo documents (variables with dot notation, `default`,
 *   `date` with Django's format letters in UTC, `lookup`, `if/elif/else`, `for … empty`) through
 *   liquidjs, so Liquid's own filters and operators also work; Django's `not`, `forloop.counter`,
 *   `{% with %}`, `{% now %}` and Klaviyo's own tags (`{% unsubscribe %}`, `{% web_view %}`,
 *   `{% catalog %}`, coupons) do not. A template that does not parse is refused when saved (400).
 * - A drag-and-drop (`SYSTEM_DRAGGABLE`) definition is stored as sent (not validated block by block);
 *   its HTML is just its text and HTML blocks' content in order, with none of the layout or styles.
 * - Universal content (`/api/template-universal-content`) is not emulated.
 * - The 1,000-template cap counts every template of the account, however it was made.
 */
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  cloneTemplate,
  createTemplate,
  deleteTemplate,
  getTemplate,
  getTemplates,
  renderTemplateHandler,
  updateTemplate,
} from './handlers.ts';
import { TemplatesRepo } from './repo.ts';

export const templates = defineGroup({
  name: 'Templates',
  repos: [TemplatesRepo],
  routes: [
    route('GET', '/api/templates', 'get_templates', getTemplates),
    route('POST', '/api/templates', 'create_template', createTemplate),
    route('GET', '/api/templates/:id', 'get_template', getTemplate),
    route('PATCH', '/api/templates/:id', 'update_template', updateTemplate),
    route('DELETE', '/api/templates/:id', 'delete_template', deleteTemplate),
    route('POST', '/api/template-clone', 'clone_template', cloneTemplate),
    route('POST', '/api/template-render', 'render_template', renderTemplateHandler),
  ],
});
