// The decision form of a review (SPEC §3: "a return must carry reasons (checklist of failing
// materials or rules)"): the reasons a reviewer can tick, built from the step's checklist, and the
// DecisionInput sent to POST /batches/{id}/steps/{step}/decision.
import type { components } from '@/api/schema';
import { RULE_NAMES } from '@/utils/labels';

type Schemas = components['schemas'];
type StepChecklist = Schemas['StepChecklistView'];
type RuleCheck = Schemas['RuleCheckView'];
export type DecisionInput = Schemas['DecisionInput'];
export type ReturnReason = Schemas['ReturnReason'];

export interface ReasonOption {
  /** Unique within the form: `rule:EXAM_LEAD_TIME`, `material:plan_application`. */
  key: string;
  /** ReturnReason.code: the rule code or the material kind. */
  code: string;
  /** What the reviewer reads, and the default message sent. */
  label: string;
  group: 'rule' | 'material';
  /** The checklist itself says it fails (pre-ticked). */
  failing: boolean;
  /** The checklist's own messages for a failing rule. */
  detail: string;
}

export const OTHER_CODE = 'other';

function ruleOption(rule: RuleCheck): ReasonOption {
  return {
    key: `rule:${rule.code}`,
    code: rule.code,
    // The platform's positive wording of the rule (考试时间应在…之后), else the server's title.
    label: RULE_NAMES[rule.code] ?? rule.title,
    group: 'rule',
    failing: !rule.passed,
    detail: rule.violations.map((v) => v.message).join('；'),
  };
}

/**
 * The reasons to choose from: the step's materials (each one a reviewer may find wanting, not only
 * the missing ones: a present PDF can be the wrong form or unstamped), the step's rules, and the
 * batch-level rules that fail. Failing items first within their group.
 */
export function reasonOptions(step: StepChecklist | undefined, batchRules: RuleCheck[] = []): ReasonOption[] {
  if (!step) return batchRules.filter((r) => !r.passed).map(ruleOption);
  const materials: ReasonOption[] = step.materials
    .filter((m) => m.required || m.present)
    .map((m) => ({
      key: `material:${m.kind}`,
      code: m.kind,
      label: m.title,
      group: 'material',
      failing: m.required && !m.present,
      detail: m.required && !m.present ? '未上传' : '',
    }));
  const seen = new Set(step.rules.map((r) => r.code));
  const rules = [...step.rules.map(ruleOption), ...batchRules.filter((r) => !r.passed && !seen.has(r.code)).map(ruleOption)];
  const failingFirst = (a: ReasonOption, b: ReasonOption) => Number(b.failing) - Number(a.failing);
  return [...materials.sort(failingFirst), ...rules.sort(failingFirst)];
}

/** The options the form ticks when it opens: what the checklist already finds failing. */
export function defaultSelection(options: ReasonOption[]): string[] {
  return options.filter((o) => o.failing).map((o) => o.key);
}

export interface DecisionForm {
  decision: 'approve' | 'return';
  comment: string;
  /** Keys of the ticked options. */
  selected: string[];
  /** The reviewer's own words per ticked option (optional; the label is sent otherwise). */
  notes: Record<string, string>;
  /** A reason outside the checklist (`other`). */
  other: string;
  /**
   * How a `data_audit` approval was decided (SPEC §3: 书面审核 or a drawn 现场抽查); sent only when
   * set, and only with an approval.
   */
  auditMethod?: AuditMethod | null;
}

export type AuditMethod = 'document_review' | 'on_site_check';

export const AUDIT_METHOD_NAMES: Record<AuditMethod, string> = {
  document_review: '书面审核',
  on_site_check: '现场抽查（双随机选中并已提交督导报告）',
};

export type BuildResult = { ok: true; input: DecisionInput } | { ok: false; errors: Record<string, string> };

/** The message of one reason: the reviewer's note, else the item and what the checklist says. */
function messageFor(option: ReasonOption, note: string | undefined): string {
  const own = note?.trim();
  if (own) return `${option.label}：${own}`;
  return option.detail ? `${option.label}：${option.detail}` : option.label;
}

/**
 * The request body, or the form's own errors (the server says the same, 422 `reasons`, but the
 * reviewer should not need a round trip to learn that a return needs a reason).
 */
export function buildDecision(form: DecisionForm, options: ReasonOption[]): BuildResult {
  const comment = form.comment.trim();
  if (form.decision === 'approve') {
    const input: DecisionInput = { decision: 'approve' };
    if (comment) input.comment = comment;
    if (form.auditMethod) input.audit_method = form.auditMethod;
    return { ok: true, input };
  }
  const byKey = new Map(options.map((o) => [o.key, o]));
  const reasons: ReturnReason[] = [];
  for (const key of form.selected) {
    const option = byKey.get(key);
    if (option) reasons.push({ code: option.code, message: messageFor(option, form.notes[key]) });
  }
  const other = form.other.trim();
  if (other) reasons.push({ code: OTHER_CODE, message: other });
  if (reasons.length === 0) {
    return { ok: false, errors: { reasons: '退回时请至少勾选一条退回原因，或填写其他原因' } };
  }
  const input: DecisionInput = { decision: 'return', reasons };
  if (comment) input.comment = comment;
  return { ok: true, input };
}
