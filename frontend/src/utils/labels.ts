// Chinese names of the API's enum codes, as the domain crate names them (backend/domain/src/
// enums.rs, state.rs, warnings.rs). Views prefer the `*_name` fields the API sends; these cover
// the places where only a code arrives (filters, checklist rows, problem codes).
import type { components } from '@/api/schema';

type Schemas = components['schemas'];
export type Step = Schemas['Step'];
export type StepState = Schemas['StepState'];
export type MaterialKind = Schemas['MaterialKind'];
export type RuleCode = Schemas['RuleCode'];
export type WarningCode = Schemas['WarningCode'];
export type InstitutionKind = Schemas['InstitutionKind'];

export const STEP_NAMES: Record<Step, string> = {
  plan: '制定计划',
  registration: '考试报名',
  arrangement: '考务安排',
  supervision: '外部质量督导',
  certificate: '证书管理',
  materials: '上传材料',
  data_audit: '证书数据审核',
  issuance: '证书发放',
};

export const STEP_STATE_NAMES: Record<StepState, string> = {
  not_started: '未开始',
  draft: '办理中',
  submitted: '待审核',
  approved: '已通过',
  returned: '已退回',
};

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info';

export const STEP_STATE_TAG: Record<StepState, TagType> = {
  not_started: 'info',
  draft: 'primary',
  submitted: 'warning',
  approved: 'success',
  returned: 'danger',
};

export const BATCH_STATUS_NAMES: Record<string, string> = {
  in_progress: '办理中',
  under_review: '待审核',
  returned: '已退回',
  issuing: '证书办理中',
  completed: '已办结',
  archived: '已归档',
};

export const BATCH_STATUS_TAG: Record<string, TagType> = {
  in_progress: 'primary',
  under_review: 'warning',
  returned: 'danger',
  issuing: 'success',
  completed: 'info',
  archived: 'info',
};

export const KIND_NAMES: Record<InstitutionKind, string> = {
  employer: '省管用人单位评价机构',
  social_training: '社会培训评价组织',
  tech_school: '技工院校评价机构',
};

export const MODULE_NAMES: Record<string, string> = {
  supervised: '监管中心模块',
  self: '自主认定模块',
};

export const METHOD_NAMES: Record<string, string> = {
  exam: '考试考核',
  direct: '直接认定',
  process: '过程化评价',
  competition: '技能竞赛选拔',
};

/**
 * SPEC §2: the methods each (kind, module) allows. Only to offer sensible choices: the server
 * decides (METHOD_NOT_ALLOWED) and its answer is what the page shows.
 */
export const ALLOWED_METHODS: Record<InstitutionKind, Record<string, string[]>> = {
  employer: { supervised: ['exam'], self: ['direct', 'exam', 'process', 'competition'] },
  social_training: { supervised: ['exam'] },
  tech_school: { supervised: ['exam'], self: ['exam', 'process', 'competition'] },
};

export const LEVEL_NAMES: Record<number, string> = {
  1: '一级/高级技师',
  2: '二级/技师',
  3: '三级/高级工',
  4: '四级/中级工',
  5: '五级/初级工',
};

export const MATERIAL_NAMES: Record<MaterialKind, string> = {
  plan_application: '计划申请表',
  cross_region_application: '河南省省属社会培训评价组织跨地区认定申请表',
  warning_verification_note: '核查情况说明',
  eligibility_commitment: '考生报名资格审核合格承诺书',
  personal_info_form: '职业技能等级认定个人信息登记表',
  eligibility_evidence: '符合报名条件佐证',
  abnormality_verification: '职业技能认定申报异常情况核实信息表',
  qualified_confirmation: '合格人员确认文件或成绩花名册',
  internal_qa_report: '内部质量督导报告',
  implementation_notice: '职业技能等级认定实施公告',
  assessment_plan: '考核方式实施计划和安排',
  participant_roster: '参评人员花名册',
  qualified_student_roster: '合格人员学籍花名册',
  annual_plan_scan: '年度考试计划申报（盖章扫描件）',
  inspection_report: '质量督导报告',
};

export const CONDITION_NAMES: Record<Schemas['Condition'], string> = {
  always: '必备',
  when_warnings: '有预警时必备',
  when_cross_region: '跨地区时必备',
};

/** What each rule requires (shown with a pass/fail mark, and used as a return reason's label). */
export const RULE_NAMES: Record<RuleCode, string> = {
  METHOD_NOT_ALLOWED: '评价方式应符合规定',
  ANNUAL_PLAN_REQUIRED: '须先申报年度考试计划',
  MIN_HEADCOUNT: '每一职业考试人数不少于15人',
  EXAM_LEAD_TIME: '考试时间应在计划申报之日起三个工作日后',
  CALENDAR_YEAR_MISSING: '须有该年度工作日历',
  HEADCOUNT_TOLERANCE: '报名人数与计划人数误差不超过10人',
  ARRANGEMENT_DEADLINE: '考务安排应在考试日前两天完成',
  ARRANGEMENT_MISMATCH: '考务安排应与考试计划一致',
  ARRANGEMENT_CAPACITY: '场次考位应容纳全部报名考生',
  STAFF_DOUBLE_BOOKED: '考务人员不得在时间重叠的场次重复安排',
  COMPLETION_WINDOW: '考试之日起30日内完成认定全部环节',
  CROSS_YEAR: '不可跨年实施',
  CROSS_REGION_FORM_REQUIRED: '跨地区认定须提交申请表',
  MATERIAL_MISSING: '材料应齐全',
  WARNINGS_UNRESOLVED: '预警信息应全部处置',
  NOT_GRADUATING_YEAR: '考生须为毕业学年学生',
  STEP_OUT_OF_ORDER: '上一环节须先审核通过',
  RESULTS_MISSING: '须在考试结束并录入成绩后提交',
  OCCUPATION_NOT_FILED: '职业（工种）等级应在备案范围内',
  VALIDATION: '填写内容应符合要求',
};

export const WARNING_NAMES: Record<WarningCode, string> = {
  DUPLICATE_IN_BATCH: '一人多报',
  DUPLICATE_CERTIFICATE: '重复取证',
  CONCURRENT_BATCH: '同时参加其他批次',
  UNDER_AGE: '未满16周岁',
  BLACKLISTED: '列入禁考名单',
  NOT_GRADUATING_YEAR: '非毕业学年学生',
  PASS_RATE_ANOMALY: '合格率异常',
};

export const ELIGIBILITY_NAMES: Record<string, string> = {
  pending: '待审核',
  eligible: '合格',
  ineligible: '不合格',
};

export const DISPOSITION_NAMES: Record<string, string> = {
  confirmed: '属实',
  dismissed: '不属实',
};

export const ID_TYPE_NAMES: Record<string, string> = {
  resident_id: '居民身份证',
  passport: '护照',
  hk_macao_permit: '港澳居民来往内地通行证',
  taiwan_permit: '台湾居民来往大陆通行证',
  foreigner_permit: '外国人永久居留身份证',
};

export const EXAM_FORM_NAMES: Record<string, string> = {
  online_computer: '集中在线机考',
  practical: '实操考核',
  review: '综合评审',
};

export const SUBJECT_NAMES: Record<string, string> = {
  theory: '理论知识',
  skill: '操作技能',
  review: '综合评审',
};

export const STAFF_ROLE_NAMES: Record<string, string> = {
  examiner: '考评员',
  invigilator: '监考人员',
};

/** Henan 地市 codes (backend/domain/src/codecs/region.rs): 4101–4117 and 9001 济源示范区. */
export const REGIONS: { code: string; name: string }[] = [
  { code: '4101', name: '郑州市' },
  { code: '4102', name: '开封市' },
  { code: '4103', name: '洛阳市' },
  { code: '4104', name: '平顶山市' },
  { code: '4105', name: '安阳市' },
  { code: '4106', name: '鹤壁市' },
  { code: '4107', name: '新乡市' },
  { code: '4108', name: '焦作市' },
  { code: '4109', name: '濮阳市' },
  { code: '4110', name: '许昌市' },
  { code: '4111', name: '漯河市' },
  { code: '4112', name: '三门峡市' },
  { code: '4113', name: '南阳市' },
  { code: '4114', name: '商丘市' },
  { code: '4115', name: '信阳市' },
  { code: '4116', name: '周口市' },
  { code: '4117', name: '驻马店市' },
  { code: '9001', name: '济源示范区' },
];

export function regionName(code: string | null | undefined): string {
  return REGIONS.find((r) => r.code === code)?.name ?? code ?? '';
}

export function label(map: Record<string, string>, code: string | null | undefined): string {
  if (!code) return '';
  return map[code] ?? code;
}
