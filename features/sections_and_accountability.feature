# language: zh-CN
功能: 审批服务科室、功能板块、联办与责任落实
  方案三(二)：原则上设置审批服务科室；三(五)：功能板块内“一窗通办”，对涉及多个部门的事项建立联办机制；
  四(三)：完成事项进驻、人员进驻、首席代表授权、对政务服务部门授权；五(三)：严禁“明进暗不进”，授权不到位的问责。

  背景:
    假如 有以下部门:
      | 代码 | 名称           | 类型         |
      | FGW  | 市发改委       | 部门         |
      | GSJ  | 市工商局       | 部门         |
      | ZWZX | 市政务服务中心 | 政务服务部门 |
    并且 有以下大厅:
      | 代码 | 名称           | 类型   |
      | CITY | 市本级政务大厅 | 市本级 |
    并且 有以下功能板块:
      | 代码 | 名称     | 牵头部门 | 全链条 | 链条   |
      | TZXM | 投资项目 | FGW      | 是     | I1     |
      | SSDJ | 商事登记 | GSJ      | 是     | G1、G2 |
    并且 有以下地点:
      | 代码   | 名称             | 类型         | 大厅 | 部门 | 功能板块 |
      | ZH-TZ  | 投资项目综合窗口 | 综合受理窗口 | CITY |      | TZXM     |
      | ZH-01  | 综合窗口一       | 综合受理窗口 | CITY |      |          |
      | FGW-CK | 发改委窗口       | 部门窗口     | CITY | FGW  |          |
    并且 有以下人员:
      | 编号 | 姓名 | 部门 | 职务   |
      | 1    | 张三 | FGW  | 科长   |
      | 3    | 王五 | ZWZX | 受理员 |
      | 5    | 钱七 | GSJ  | 科长   |
    并且 有以下科室:
      | 编号 | 部门 | 名称       | 类型         | 负责人 |
      | 1    | FGW  | 审批服务科 | 审批服务科室 | 张三   |
    并且 有以下事项:
      | 代码 | 名称             | 部门 | 功能板块 | 协办事项 |
      | I1   | 企业投资项目备案 | FGW  | TZXM     |          |
      | I5   | 重大项目联合审批 | FGW  |          | G1       |
      | G1   | 企业设立登记     | GSJ  | SSDJ     |          |
      | G2   | 企业变更登记     | GSJ  | SSDJ     |          |
    并且 有以下授权:
      | 编号 | 授权部门 | 被授权人     | 岗位 | 权限             |
      | 10   | FGW      | 张三         | A    | 首席代表最低权限 |
      | 12   | FGW      | 政务服务部门 |      | 政务服务最低权限 |
      | 14   | GSJ      | 政务服务部门 |      | 政务服务最低权限 |

  @XT-3.5
  场景: 功能板块综合窗口一窗通办本板块事项，不受理其他板块事项
    当 "王五" 于 "2019-03-01" 在 "ZH-TZ" 对事项 "I1" 请求 "受理"
    那么 结果为 "允许"
    当 "王五" 于 "2019-03-01" 在 "ZH-TZ" 对事项 "G1" 请求 "受理"
    那么 结果为 "禁止"
    并且 触发禁止规则 "sections.one_window_own_section"
    当 "王五" 于 "2019-03-01" 在 "ZH-01" 对事项 "G1" 请求 "受理"
    那么 结果为 "允许"

  @XT-3.5
  场景: 联办件的协办部门须有持会签权的首席代表
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "sections.joint_countersign" 针对 "item:I5/partner:G1"
    假如 有以下授权:
      | 编号 | 授权部门 | 被授权人 | 岗位 | 权限             |
      | 20   | GSJ      | 钱七     | A    | 首席代表最低权限 |
    当 在 "2019-03-01" 做合规检查
    那么 没有发现 "sections.joint_countersign"

  @XT-3.5
  场景: 板块事项所属部门未授权政务服务部门时无法一窗通办
    假如 授权 14 于 "2019-02-01" 撤销
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "sections.item_served_in_section" 针对 "item:G1"
    并且 没有发现 "sections.item_served_in_section" 针对 "item:I1"

  @XT-3.2
  场景: 每个部门必须设置审批服务科室，例外不能消除这一发现
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "sections.approval_section" 针对 "department:GSJ"
    并且 没有发现 "sections.approval_section" 针对 "department:FGW"
    假如 审改部门对规则 "sections.approval_section" 就 "department:GSJ" 记录了例外
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "sections.approval_section" 针对 "department:GSJ"

  @XT-3.3.2
  场景: 审批服务科室原则上成建制进驻
    假如 有以下科室:
      | 编号 | 部门 | 名称       | 类型         | 成建制 |
      | 2    | GSJ  | 行政审批科 | 审批服务科室 | 否     |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "reps.section_entered_whole" 针对 "section:2"
    并且 没有发现 "reps.section_entered_whole" 针对 "section:1"

  @XT-3.3.2
  场景: “市民之家”启用后，事项涉及的业务科室都须成建制进驻，“事进人不进”的部门免于成建制进驻
    假如 有以下科室:
      | 编号 | 部门 | 名称   | 类型         | 成建制 |
      | 3    | FGW  | 投资科 | 主要业务科室 | 否     |
      | 4    | FGW  | 办公室 | 其他科室     | 否     |
      | 5    | GSJ  | 登记科 | 主要业务科室 | 否     |
    并且 "市民之家" 于 "2019-06-01" 启用
    当 在 "2019-05-01" 做合规检查
    那么 没有发现 "reps.business_sections_entered_whole"
    当 在 "2019-07-01" 做合规检查
    那么 有发现 "reps.business_sections_entered_whole" 针对 "section:3"
    并且 有发现 "reps.business_sections_entered_whole" 针对 "section:5"
    并且 没有发现 "reps.business_sections_entered_whole" 针对 "section:4"
    并且 发现 "reps.business_sections_entered_whole" 的说明包含 "投资科"
    假如 审改部门对规则 "reps.business_sections_entered_whole" 就 "section:3" 记录了例外
    并且 有以下委托:
      | 编号 | 部门 | 事项 |
      | 1    | GSJ  | 全部 |
    当 在 "2019-07-01" 做合规检查
    那么 没有发现 "reps.business_sections_entered_whole" 针对 "section:5"
    并且 有发现 "reps.business_sections_entered_whole" 针对 "section:3"

  @XT-3.3.2
  场景: “事进人不进”的部门，其审批服务科室也免于成建制进驻
    假如 有以下科室:
      | 编号 | 部门 | 名称       | 类型         | 成建制 |
      | 2    | GSJ  | 行政审批科 | 审批服务科室 | 否     |
    并且 有以下委托:
      | 编号 | 部门 | 事项 |
      | 1    | GSJ  | 全部 |
    当 在 "2019-03-01" 做合规检查
    那么 没有发现 "reps.section_entered_whole" 针对 "section:2"

  @XT-5.3
  场景: 对首席代表和政务服务部门授权不到位是发现
    假如 有以下授权:
      | 编号 | 授权部门 | 被授权人     | 岗位 | 权限           | 事项 |
      | 20   | GSJ      | 钱七         | A    | 审批决定、用印 | 全部 |
    并且 授权 14 于 "2019-02-01" 撤销
    并且 有以下授权:
      | 编号 | 授权部门 | 被授权人     | 岗位 | 权限       | 事项 |
      | 21   | GSJ      | 政务服务部门 |      | 咨询、受理 | G1   |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "accountability.chief_rep_grant_short" 针对 "authorization:20"
    并且 发现 "accountability.chief_rep_grant_short" 的说明包含 "联合审批会签"
    并且 没有发现 "accountability.chief_rep_grant_short" 针对 "authorization:10"
    并且 有发现 "accountability.gov_service_grant_short" 针对 "department:GSJ"
    并且 发现 "accountability.gov_service_grant_short" 的说明包含 "接件"
    并且 没有发现 "accountability.gov_service_grant_short" 针对 "department:FGW"

  @XT-5.3
  场景: 有进驻事项却没有首席代表或进驻人员，是明进暗不进
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "accountability.nominal_entry" 针对 "department:GSJ"
    并且 没有发现 "accountability.nominal_entry" 针对 "department:FGW"

  @XT-5.3
  场景: 生效早于备案的授权是补录
    假如 有以下授权:
      | 编号 | 授权部门 | 被授权人 | 岗位 | 权限             | 生效       | 备案时间   | 补录 |
      | 22   | FGW      | 张三     | A    | 首席代表最低权限 | 2019-01-01 | 2019-02-01 | 是   |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "accountability.late_filed" 针对 "authorization:22"
    并且 没有发现 "accountability.late_filed" 针对 "authorization:10"

  @XT-4.3
  场景: 进驻未完成（人员未备案、未授权）是发现
    假如 有以下备案:
      | 部门 | 人员 | 角色     |
      | FGW  | 张三 | 首席代表 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "plans.entry_completed" 针对 "department:GSJ"
    并且 发现 "plans.entry_completed" 的说明包含 "未授权首席代表"
    并且 没有发现 "plans.entry_completed" 针对 "department:FGW"
    当 在 "2018-12-01" 做合规检查
    那么 没有发现 "plans.entry_completed"
