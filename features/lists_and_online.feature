# language: zh-CN
功能: 标准化建设——清单、兜底条款、重复提交、时限压减与办理深度
  方案三(四)：清单由各牵头部门编制；去除兜底条款；已收取的材料不再重复提交；2018年底前时限压减至法定时限的
  三分之一以上，承诺时限整体压缩15%，1~2个工作日的承诺件原则上改为即办件。三(六)：网上办理原则上达到“原件预审”以上。

  背景:
    假如 有以下部门:
      | 代码 | 名称     |
      | FGW  | 市发改委 |
      | GSJ  | 市工商局 |
    并且 有以下人员:
      | 编号 | 姓名 | 部门 | 职务 |
      | 1    | 张三 | FGW  | 科长 |

  @XT-3.4.time
  场景: 承诺时限须比法定时限压减至少三分之一
    假如 有以下事项:
      | 代码 | 名称     | 部门 | 办件类型 | 法定时限   | 承诺时限   |
      | T1   | 项目核准 | FGW  | 承诺件   | 30个工作日 | 20个工作日 |
      | T2   | 节能审查 | FGW  | 承诺件   | 30个工作日 | 25个工作日 |
      | T3   | 价格认定 | FGW  | 承诺件   | 无         | 25个工作日 |
      | T4   | 紧急审批 | FGW  | 承诺件   | 4小时      | 1个工作日  |
    当 在 "2019-03-01" 做合规检查
    那么 没有发现 "lists.time_compressed" 针对 "item:T1"
    并且 有发现 "lists.time_compressed" 针对 "item:T2"
    并且 发现 "lists.time_compressed" 的说明包含 "应不超过20个工作日"
    并且 没有发现 "lists.time_compressed" 针对 "item:T3"
    并且 有发现 "lists.time_compressed" 针对 "item:T4"
    并且 发现 "lists.time_compressed" 的说明包含 "无法比较"
    当 在 "2018-12-01" 做合规检查
    那么 没有发现 "lists.time_compressed"

  @XT-3.4.time
  场景: 另一种读法“压减至三分之一以内”只需改一个参数
    假如 规则包参数 compression 为 "reduce_to_at_most"
    并且 有以下事项:
      | 代码 | 名称     | 部门 | 办件类型 | 法定时限   | 承诺时限   |
      | T1   | 项目核准 | FGW  | 承诺件   | 30个工作日 | 20个工作日 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.time_compressed" 针对 "item:T1"
    并且 发现 "lists.time_compressed" 的说明包含 "应不超过10个工作日"

  @XT-3.4.time
  场景: 自然日按工作日历折算，没有日历时按5/7折算并注明
    假如 有以下事项:
      | 代码 | 名称     | 部门 | 办件类型 | 法定时限   | 承诺时限  |
      | T5   | 规划许可 | FGW  | 承诺件   | 2个月      | 30个工作日 |
    当 不提供工作日历，在 "2019-03-01" 做合规检查
    那么 有发现 "lists.time_compressed" 针对 "item:T5"
    并且 发现 "lists.time_compressed" 的说明包含 "按5/7折算"
    当 按每周五个工作日的日历，在 "2019-03-01" 做合规检查
    那么 有发现 "lists.time_compressed" 针对 "item:T5"

  @XT-3.4.aggregate
  场景: 承诺时限比2017年底“整体压缩15%”是全市整体的要求，各部门的压缩比例只列出、不作为发现
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 办件类型 | 承诺时限   | 2017承诺时限 |
      | A1   | 甲   | FGW  | 承诺件   | 10个工作日 | 10个工作日   |
      | A2   | 乙   | FGW  | 承诺件   | 9个工作日  | 10个工作日   |
      | A3   | 丙   | GSJ  | 承诺件   | 5个工作日  | 10个工作日   |
      | A4   | 丁   | FGW  | 承诺件   | 5个工作日  |              |
    当 在 "2019-03-01" 做合规检查
    那么 没有发现 "lists.aggregate_15" 针对 "department:FGW"
    并且 没有发现 "lists.aggregate_15" 针对 "city"
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 办件类型 | 承诺时限   | 2017承诺时限 |
      | A5   | 戊   | FGW  | 承诺件   | 10个工作日 | 10个工作日   |
      | A6   | 己   | GSJ  | 承诺件   | 10个工作日 | 10个工作日   |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.aggregate_15" 针对 "city"
    并且 没有发现 "lists.aggregate_15" 针对 "department:FGW"
    并且 发现 "lists.aggregate_15" 的说明包含 "另有1个2017年后新增事项未计入"
    并且 发现 "lists.aggregate_15" 的说明包含 "市发改委压缩3.3%"

  @XT-3.4.instant
  场景: 1~2个工作日的承诺件原则上改为即办件
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 办件类型 | 承诺时限  |
      | B1   | 甲   | FGW  | 承诺件   | 2个工作日 |
      | B2   | 乙   | FGW  | 承诺件   | 3个工作日 |
      | B3   | 丙   | FGW  | 即办件   | 1个工作日 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.short_commitment_instant" 针对 "item:B1"
    并且 没有发现 "lists.short_commitment_instant" 针对 "item:B2"
    并且 没有发现 "lists.short_commitment_instant" 针对 "item:B3"

  @XT-3.4.catch_all
  场景: 申报材料不得含“其他材料”等兜底条款
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 材料                     |
      | M1   | 甲   | FGW  | 申请表、营业执照、其他材料 |
      | M2   | 乙   | FGW  | 申请表、营业执照           |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.no_catch_all" 针对 "item:M1/material:其他材料"
    并且 没有发现 "lists.no_catch_all" 针对 "item:M2/material:申请表"

  @XT-3.4.catch_all
  场景: 兜底条款按审改部门在规则包中的清单匹配：其他…材料、相关…证明、有关部门要求的…、结尾的“等”；“等级证书”不是
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 材料                           |
      | M3   | 丙   | FGW  | 申请表、其它需要提交的材料。   |
      | M4   | 丁   | FGW  | 相关部门出具的证明             |
      | M5   | 戊   | FGW  | 有关部门要求的文件             |
      | M6   | 己   | FGW  | 营业执照等                     |
      | M7   | 庚   | FGW  | 资质等级证书、项目相关材料清单 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.no_catch_all" 针对 "item:M3/material:其它需要提交的材料。"
    并且 有发现 "lists.no_catch_all" 针对 "item:M4/material:相关部门出具的证明"
    并且 有发现 "lists.no_catch_all" 针对 "item:M5/material:有关部门要求的文件"
    并且 有发现 "lists.no_catch_all" 针对 "item:M6/material:营业执照等"
    并且 没有发现 "lists.no_catch_all" 针对 "item:M7/material:资质等级证书"
    并且 没有发现 "lists.no_catch_all" 针对 "item:M7/material:项目相关材料清单"

  @XT-3.4.resubmit
  场景: 功能板块链条上前序环节已收取的材料不再要求提交
    假如 有以下事项:
      | 代码 | 名称     | 部门 | 材料             | 功能板块 |
      | R1   | 名称核准 | GSJ  | 申请表、身份证明 | SSDJ     |
      | R2   | 设立登记 | GSJ  | 章程、身份证明   | SSDJ     |
    并且 有以下功能板块:
      | 代码 | 名称     | 牵头部门 | 全链条 | 链条   |
      | SSDJ | 商事登记 | GSJ      | 是     | R1、R2 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.no_resubmission" 针对 "item:R2/material:身份证明"
    并且 没有发现 "lists.no_resubmission" 针对 "item:R2/material:章程"

  @XT-3.4.resubmit
  场景: 按全市材料目录识别重复提交：不同部门用不同编码的同一目录材料也算重复
    # 设计文档§12.2：材料引用政务服务部门维护的材料目录，重复提交按目录条目认定，不论部门自编的编码
    假如 有以下事项:
      | 代码 | 名称         | 部门 | 材料                                                    | 功能板块 |
      | R1   | 名称核准     | GSJ  | 申请表、营业执照（GSJ-M01 目录CL-YYZZ）                 | TZXM     |
      | R3   | 项目备案     | FGW  | 企业法人营业执照（FGW-007 目录CL-YYZZ）、项目申请报告   | TZXM     |
      | R4   | 节能审查     | FGW  | 申请表（FGW-101 目录CL-SQB-JN）                         | TZXM     |
    并且 有以下功能板块:
      | 代码 | 名称     | 牵头部门 | 全链条 | 链条       |
      | TZXM | 投资项目 | FGW      | 是     | R1、R3、R4 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.no_resubmission" 针对 "item:R3/material:FGW-007"
    并且 发现 "lists.no_resubmission" 的说明包含 "企业法人营业执照"
    并且 没有发现 "lists.no_resubmission" 针对 "item:R3/material:项目申请报告"
    并且 没有发现 "lists.no_resubmission" 针对 "item:R4/material:FGW-101"

  @XT-3.4.lists
  场景: 收费项目须经发改部门审查
    假如 有以下事项:
      | 代码 | 名称     | 部门 | 收费       |
      | P1   | 价格认证 | FGW  | 价格认证费 |
      | P2   | 评估     | FGW  | 评估费     |
    并且 有以下收费审查:
      | 事项 | 收费 | 结果 |
      | P1   | F1   | 通过 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.fee_reviewed" 针对 "item:P2/fee:F1"
    并且 没有发现 "lists.fee_reviewed" 针对 "item:P1/fee:F1"

  @XT-3.4.lists
  场景: 未公布或未生效的事项不能办理，退回的事项是发现
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 生效       | 状态     |
      | E1   | 甲   | FGW  | 2019-06-01 |          |
      | E2   | 乙   | FGW  |            | returned |
    并且 有以下授权:
      | 编号 | 授权部门 | 被授权人 | 岗位 | 权限             |
      | 10   | FGW      | 张三     | A    | 首席代表最低权限 |
    当 "张三" 于 "2019-05-01" 对事项 "E1" 请求 "审批决定"
    那么 结果为 "禁止"
    并且 触发禁止规则 "lists.item_effective"
    当 "张三" 于 "2019-06-02" 对事项 "E1" 请求 "审批决定"
    那么 结果为 "允许"
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "lists.item_published" 针对 "item:E2"

  @XT-3.6
  场景: 依申请类事项的办理深度原则上达到“原件预审”以上
    假如 有以下事项:
      | 代码 | 名称 | 部门 | 类型     | 办理深度 |
      | O1   | 甲   | FGW  | 行政许可 | 现场办理 |
      | O2   | 乙   | FGW  | 行政许可 | 全程网办 |
      | O3   | 丙   | FGW  | 行政检查 | 现场办理 |
    当 在 "2019-03-01" 做合规检查
    那么 有发现 "online.depth_pre_review" 针对 "item:O1"
    并且 没有发现 "online.depth_pre_review" 针对 "item:O2"
    并且 没有发现 "online.depth_pre_review" 针对 "item:O3"
    假如 审改部门对规则 "online.depth_pre_review" 就 "item:O1" 记录了例外
    当 在 "2019-03-01" 做合规检查
    那么 没有发现 "online.depth_pre_review" 针对 "item:O1"
