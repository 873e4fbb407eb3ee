"""The demo city: a realistic, deterministic registry built through the filing services.

``load_demo(ctx)`` adds, on top of the plan's facts (loaded first if missing): sections,
places, people, a catalog of ~230 items over the annex departments, seals, chief-
representative and government-service authorizations, seal custody, absences, a revocation,
a delegation, staff filings, exemptions and the sub-hall approvals. Every record goes
through :mod:`registry.services`, with the actor that would file it in life (a department,
the reform office, the DRC, the government, the government service department) and a fixed
filing time, so the log reads like the city's history:

* 2018-12: sections, places, people, directory and items, reviews, fee reviews, sub-hall
  approvals, seals, authorizations valid from 2019-01-01 (Asia/Shanghai), custody, staff;
* 2019-01: exemption requests and the government's decisions;
* 2022-06: one B-post authorization revoked and replaced;
* 2025-03 and 2026-11: absences (one A post absent "now", one department with A and B both absent);
* 2026-10: one exemption still pending.

Findings are built in on purpose (departments without an approval service section, items
not entered, catch-all materials, limits not compressed, 1–2-day commitment items, grants
below the minimum, a missing government-service authorization, ineligible chief
representatives, re-required chain materials, an unreviewed fee, no 市民之家 opening).

Deterministic: fixed seed and dates; loading twice does nothing the second time.
"""
from __future__ import annotations

import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import func, select

import vocab
from registry.catalog_io import parse_limit
from registry.models import Department, ItemVersion, Person
from registry.seed import load_plan_facts
from registry.services import catalog, grants, org
from registry.services.context import Actor, FilingContext
from vocab.clock import SHANGHAI

SEED = 20181212


def sh(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI).astimezone(timezone.utc)


VALID_FROM = sh(2019, 1, 1, 0, 0)

GOV_SERVICE = Actor("demo-zwfw", "gov_service")
REFORM = Actor("demo-sgb", "reform_office")
DRC = Actor("demo-fgw-drc", "drc")
GOVERNMENT = Actor("demo-zf", "government")


def dept_actor(code: str) -> Actor:
    return Actor(f"demo-{code.lower()}", "department", department=code)


# ---------------------------------------------------------------------------------------
# The catalog: one line per item — 名称 | 类型 | 法定时限 | 承诺时限 | 2017年承诺时限 | 标记
#   类型: 许可 处罚 强制 征收 给付 检查 确认 奖励 裁决 其他 服务
#   时限: “20工作日”“60自然日”“3个月”, “即办” (instant, 0 working days), “-” (none)
#   标记: 复杂 上报 联办 联办:名称,名称 网办 预审 核验 现场 板块:CODE 大厅:HALL 不进驻
#         兜底 (a catch-all “其他材料”) 重复:CODE (a shared material re-required along a chain)
# ---------------------------------------------------------------------------------------

ITEMS = """
[ZFB]
宗教活动场所筹备设立审批 | 许可 | 30工作日 | 15工作日 | 20工作日 | 复杂 上报
宗教活动场所登记 | 许可 | 30工作日 | 10工作日 | 15工作日 |
宗教临时活动地点审批 | 许可 | 20工作日 | 7工作日 | 10工作日 |
少数民族高考加分资格确认 | 确认 | - | 即办 | 3工作日 | 网办
[FGW]
企业投资项目备案 | 其他 | - | 即办 | 2工作日 | 网办 板块:TZXM
企业投资项目核准 | 许可 | 20工作日 | 7工作日 | 12工作日 | 复杂 板块:TZXM
政府投资项目可行性研究报告审批 | 其他 | 20工作日 | 10工作日 | 15工作日 | 复杂 板块:TZXM
固定资产投资项目节能审查 | 许可 | 20工作日 | 10工作日 | 15工作日 | 板块:TZXM
依法必须招标项目招标方案核准 | 许可 | 20工作日 | 5工作日 | 7工作日 |
价格认定 | 其他 | 20工作日 | 15工作日 | 15工作日 |
价格违法行为行政处罚 | 处罚 | 90自然日 | - | - |
[JXW]
技术改造投资项目备案 | 其他 | - | 即办 | 3工作日 | 网办
电力设施保护区内施工作业审批 | 许可 | 20工作日 | 10工作日 | 15工作日 |
市级企业技术中心认定 | 确认 | 60自然日 | 30自然日 | 40自然日 | 复杂 上报
工业节能监察 | 检查 | - | - | - |
[JYJ]
实施中等及以下学历教育的民办学校筹设审批 | 许可 | 3个月 | 40工作日 | 50工作日 | 复杂 兜底
中小学教师资格认定 | 许可 | 30工作日 | 20工作日 | 20工作日 | 预审
校车使用许可 | 许可 | 20工作日 | 5工作日 | 10工作日 | 联办:机动车登记,道路旅客运输经营许可
学历证明书办理 | 服务 | - | 即办 | 5工作日 |
义务教育阶段学生转学 | 服务 | - | 2工作日 | 5工作日 |
民办学校办学情况检查 | 检查 | - | - | - |
[KJJ]
高新技术企业认定初审 | 确认 | - | 20工作日 | - | 上报
技术合同认定登记 | 确认 | - | 3工作日 | 5工作日 | 网办
科技成果登记 | 服务 | - | 即办 | 3工作日 | 网办
市科学技术奖评审 | 奖励 | - | 60工作日 | 60工作日 | 复杂
科技型中小企业评价 | 服务 | - | 10工作日 | - | 网办
[GA]
户口迁移审批 | 许可 | 20工作日 | 5工作日 | 10工作日 |
居民身份证核发 | 确认 | 60自然日 | 20自然日 | 30自然日 | 核验
普通护照签发 | 许可 | 15工作日 | 7工作日 | 10工作日 |
往来港澳通行证签发 | 许可 | 15工作日 | 7工作日 | 10工作日 |
机动车登记 | 确认 | 2工作日 | 即办 | 1工作日 | 大厅:FT-JGCG
机动车驾驶证核发 | 许可 | 5工作日 | 即办 | 2工作日 | 大厅:FT-JGCG
机动车检验合格标志核发 | 确认 | - | 即办 | 1工作日 | 大厅:FT-JGCG 网办
旅馆业特种行业许可证核发 | 许可 | 20工作日 | 7工作日 | 15工作日 | 联办:公共场所卫生许可
公章刻制备案 | 其他 | - | 即办 | 1工作日 | 网办 板块:SSDJ 重复:GY-FDDBR
大型群众性活动安全许可 | 许可 | 7工作日 | 5工作日 | 7工作日 | 复杂
剧毒化学品购买许可证核发 | 许可 | 3工作日 | 2工作日 | 3工作日 | 不进驻
保安服务公司设立许可 | 许可 | 30工作日 | 15工作日 | 20工作日 | 复杂 上报
道路交通安全违法行为处罚 | 处罚 | - | - | - |
治安管理处罚 | 处罚 | 30自然日 | - | - |
扣留机动车 | 强制 | - | - | - |
[MZJ]
社会团体成立登记 | 许可 | 60自然日 | 15工作日 | 20工作日 | 复杂 预审
社会团体变更登记 | 许可 | 30自然日 | 10工作日 | 15工作日 |
社会团体注销登记 | 许可 | 30自然日 | 10工作日 | 10工作日 |
民办非企业单位成立登记 | 许可 | 60自然日 | 15工作日 | 20工作日 |
内地居民结婚登记 | 确认 | - | 即办 | 即办 | 核验
内地居民离婚登记 | 确认 | 30自然日 | 即办 | 即办 | 核验
收养登记 | 确认 | 30自然日 | 20自然日 | 30自然日 |
殡葬设施建设审批 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂 上报 兜底
最低生活保障金给付 | 给付 | 30工作日 | 20工作日 | 30工作日 |
临时救助金给付 | 给付 | - | 5工作日 | 7工作日 |
养老机构设立许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 联办
[SFJ]
法律援助申请审查 | 服务 | 7工作日 | 3工作日 | 5工作日 |
律师事务所设立审核 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
公证员执业审核 | 许可 | 20工作日 | 10工作日 | 10工作日 | 上报
基层法律服务工作者执业核准 | 许可 | 20工作日 | 10工作日 | - |
司法鉴定机构登记初审 | 许可 | 20工作日 | 15工作日 | 15工作日 | 上报
[CZJ]
代理记账机构设立审批 | 许可 | 10工作日 | 5工作日 | 7工作日 | 网办
政府采购投诉处理 | 裁决 | 30工作日 | 20工作日 | 30工作日 |
政府采购违法行为处罚 | 处罚 | 90自然日 | - | - |
[RSJ]
社会保险登记 | 确认 | - | 即办 | 1工作日 | 网办 板块:SSDJ 重复:GY-FDDBR
失业保险金申领 | 给付 | - | 5工作日 | 10工作日 | 大厅:FT-RSSB 网办
职工基本养老保险待遇核定 | 给付 | - | 10工作日 | 15工作日 | 大厅:FT-RSSB
企业职工退休审批 | 确认 | - | 10工作日 | 15工作日 | 大厅:FT-RSSB
劳务派遣经营许可 | 许可 | 20工作日 | 7工作日 | 10工作日 | 大厅:FT-RSSB
人力资源服务许可 | 许可 | 20工作日 | 7工作日 | 10工作日 | 大厅:FT-RSSB
企业实行不定时工作制和综合计算工时工作制审批 | 许可 | 20工作日 | 10工作日 | 15工作日 | 大厅:FT-RSSB
劳动人事争议仲裁 | 裁决 | 45自然日 | 45自然日 | 45自然日 | 大厅:FT-RSSB 复杂
就业失业登记 | 服务 | - | 即办 | 即办 | 大厅:FT-RSSB 网办
技工学校设立审批 | 许可 | 3个月 | 30工作日 | - | 复杂 上报
劳动保障监察 | 检查 | - | - | - |
[GTJ]
建设项目用地预审 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂 板块:TZXM 重复:GY-XMBA
国有建设用地使用权划拨审批 | 许可 | 20工作日 | 15工作日 | 20工作日 | 复杂 上报
采矿权新立登记 | 许可 | 40工作日 | 20工作日 | 30工作日 | 复杂
不动产首次登记 | 确认 | 30工作日 | 5工作日 | 10工作日 | 大厅:FT-BDCDJ 板块:BDCDJ
不动产转移登记 | 确认 | 30工作日 | 5工作日 | 10工作日 | 大厅:FT-BDCDJ 板块:BDCDJ 联办:房屋交易网签备案,契税申报
不动产抵押登记 | 确认 | 30工作日 | 3工作日 | 5工作日 | 大厅:FT-BDCDJ 板块:BDCDJ 预审
不动产登记资料查询 | 服务 | - | 即办 | 即办 | 大厅:FT-BDCDJ 网办
土地权属争议裁决 | 裁决 | 6个月 | 4个月 | 6个月 | 复杂
耕地开垦费征收 | 征收 | - | 即办 | 1工作日 |
土地闲置费征收 | 征收 | - | 5工作日 | 5工作日 |
土地违法行为处罚 | 处罚 | 90自然日 | - | - |
土地执法检查 | 检查 | - | - | - |
[ZJJ]
建筑工程施工许可证核发 | 许可 | 15自然日 | 5工作日 | 7工作日 | 板块:TZXM 重复:GY-XMBA
建筑业企业资质核准 | 许可 | 20工作日 | 15工作日 | 20工作日 | 上报
商品房预售许可 | 许可 | 10工作日 | 5工作日 | 7工作日 | 大厅:FT-FCJY
房屋交易网签备案 | 其他 | - | 即办 | 1工作日 | 大厅:FT-FCJY 板块:BDCDJ 网办
房地产开发企业资质核定 | 许可 | 20工作日 | 10工作日 | 15工作日 |
城镇污水排入排水管网许可 | 许可 | 20工作日 | 5工作日 | 10工作日 |
燃气经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂
建设工程竣工验收备案 | 其他 | 15工作日 | 5工作日 | 10工作日 | 板块:TZXM
城市基础设施配套费征收 | 征收 | - | 即办 | 2工作日 |
施工图审查合格书备案 | 其他 | - | 2工作日 | 3工作日 |
建筑施工企业安全生产许可证核发 | 许可 | 45自然日 | 20工作日 | 30工作日 | 上报
[JTJ]
道路旅客运输经营许可 | 许可 | 20自然日 | 10工作日 | 15工作日 |
道路货物运输经营许可 | 许可 | 20自然日 | 5工作日 | 10工作日 | 网办
出租汽车经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂
机动车驾驶员培训经营备案 | 其他 | - | 即办 | 5工作日 |
机动车维修经营备案 | 其他 | - | 即办 | 3工作日 |
公路超限运输许可 | 许可 | 15工作日 | 5工作日 | 7工作日 | 网办
涉路施工许可 | 许可 | 20工作日 | 7工作日 | 10工作日 | 联办
港口经营许可 | 许可 | 30自然日 | 15工作日 | 20工作日 | 上报
道路运输违法行为处罚 | 处罚 | 90自然日 | - | - |
暂扣道路运输车辆 | 强制 | - | - | - |
[NW]
农药经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
兽药经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
农作物种子生产经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
动物防疫条件合格证核发 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂
渔业捕捞许可 | 许可 | 20工作日 | 7工作日 | 10工作日 |
拖拉机和联合收割机登记 | 确认 | 2工作日 | 即办 | 1工作日 |
农机购置补贴 | 给付 | - | 20工作日 | 30工作日 |
农产品质量安全监督检查 | 检查 | - | - | - |
[SWJ]
取水许可 | 许可 | 45自然日 | 20工作日 | 30工作日 | 复杂
河道管理范围内建设项目工程建设方案审批 | 许可 | 20工作日 | 10工作日 | 15工作日 |
生产建设项目水土保持方案审批 | 许可 | 20工作日 | 10工作日 | 15工作日 |
水土保持补偿费征收 | 征收 | - | 即办 | 2工作日 |
水事纠纷裁决 | 裁决 | - | 60自然日 | 60自然日 | 复杂
水利工程质量监督检查 | 检查 | - | - | - |
[LYJ]
林木采伐许可证核发 | 许可 | 20工作日 | 5工作日 | 10工作日 | 不进驻
使用林地审核 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂 上报
林草种子生产经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
陆生野生动物人工繁育许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
林木林地权属争议裁决 | 裁决 | 6个月 | 3个月 | 6个月 |
[SHWJ]
对外贸易经营者备案登记 | 其他 | - | 即办 | 3工作日 | 网办
再生资源回收经营者备案 | 其他 | - | 即办 | 5工作日 |
单用途商业预付卡发卡企业备案 | 其他 | - | 5工作日 | - |
成品油零售经营资格初审 | 许可 | 20工作日 | 15工作日 | 20工作日 | 上报
拍卖企业设立初审 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
[WTGX]
娱乐场所经营许可 | 许可 | 20自然日 | 10工作日 | 15工作日 | 联办:公共场所卫生许可
互联网上网服务营业场所经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
出版物零售单位设立审批 | 许可 | 20工作日 | 5工作日 | 10工作日 |
营业性演出审批 | 许可 | 20自然日 | 5工作日 | 7工作日 |
经营高危险性体育项目许可 | 许可 | 30自然日 | 10工作日 | 15工作日 |
卫星电视广播地面接收设施安装许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
文物保护单位建设控制地带内建设工程设计方案审核 | 许可 | 20工作日 | 15工作日 | 20工作日 | 复杂 上报
文化市场综合执法检查 | 检查 | - | - | - |
[WJW]
医疗机构设置审批 | 许可 | 45自然日 | 20工作日 | 30工作日 | 复杂
医疗机构执业登记 | 许可 | 45自然日 | 20工作日 | 30工作日 | 复杂
医师执业注册 | 许可 | 20工作日 | 5工作日 | 10工作日 | 网办
护士执业注册 | 许可 | 20工作日 | 5工作日 | 10工作日 | 网办
公共场所卫生许可 | 许可 | 20工作日 | 5工作日 | 10工作日 |
生活饮用水供水单位卫生许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
母婴保健技术服务执业许可 | 许可 | 20工作日 | 15工作日 | 20工作日 |
放射诊疗许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂
计划生育家庭特别扶助金给付 | 给付 | - | 20工作日 | 30工作日 |
再生育审批 | 确认 | 30自然日 | 10工作日 | 15工作日 |
医疗卫生监督检查 | 检查 | - | - | - |
[HBJ]
建设项目环境影响报告书审批 | 许可 | 60自然日 | 20工作日 | 30工作日 | 复杂 板块:TZXM 重复:GY-XMBA 兜底
建设项目环境影响报告表审批 | 许可 | 30自然日 | 10工作日 | 15工作日 | 板块:TZXM
排污许可证核发 | 许可 | 20工作日 | 15工作日 | 20工作日 |
危险废物经营许可 | 许可 | 20工作日 | 15工作日 | 20工作日 | 复杂 上报
辐射安全许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
环境违法行为处罚 | 处罚 | 90自然日 | - | - |
查封扣押造成污染物排放的设施设备 | 强制 | - | - | - |
环境保护现场检查 | 检查 | - | - | - |
[TJJ]
涉外调查机构资格认定初审 | 许可 | 20工作日 | 10工作日 | 15工作日 | 上报
统计调查项目审批 | 许可 | 20工作日 | 10工作日 | 15工作日 |
统计违法行为处罚 | 处罚 | 90自然日 | - | - |
[LSJ]
粮食收购资格认定 | 许可 | 15工作日 | 5工作日 | 10工作日 | 网办
粮食流通监督检查 | 检查 | - | - | - |
[GHJ]
建设项目选址意见书核发 | 许可 | 20工作日 | 7工作日 | 10工作日 | 板块:TZXM 重复:GY-XMBA
建设用地规划许可证核发 | 许可 | 20工作日 | 7工作日 | 10工作日 | 板块:TZXM
建设工程规划许可证核发 | 许可 | 20工作日 | 7工作日 | 10工作日 | 板块:TZXM 联办:应建防空地下室的民用建筑项目报建审批
乡村建设规划许可证核发 | 许可 | 20工作日 | 10工作日 | 15工作日 |
建设工程规划条件核实 | 确认 | 20工作日 | 5工作日 | 7工作日 |
临时建设工程规划许可 | 许可 | 20工作日 | 10工作日 | - |
[CGJ]
城市道路挖掘许可 | 许可 | 20工作日 | 5工作日 | 7工作日 |
设置大型户外广告审批 | 许可 | 20工作日 | 7工作日 | 10工作日 | 兜底
临时占用城市道路审批 | 许可 | 20工作日 | 5工作日 | 7工作日 |
城市建筑垃圾处置核准 | 许可 | 20工作日 | 3工作日 | 5工作日 |
砍伐城市树木审批 | 许可 | 20工作日 | 7工作日 | 10工作日 |
城市管理违法行为处罚 | 处罚 | 90自然日 | - | - |
强制拆除违法建筑 | 强制 | - | - | - |
[AJJ]
危险化学品经营许可 | 许可 | 30自然日 | 15工作日 | 20工作日 | 复杂
烟花爆竹经营（零售）许可 | 许可 | 20工作日 | 10工作日 | 10工作日 |
非药品类易制毒化学品经营备案 | 其他 | - | 即办 | 3工作日 |
生产经营单位安全生产检查 | 检查 | - | - | - |
安全生产违法行为处罚 | 处罚 | 90自然日 | - | - |
查封扣押不符合安全标准的设施设备 | 强制 | - | - | - |
[LWQ]
旅行社设立许可 | 许可 | 20工作日 | 10工作日 | 15工作日 |
外国人来华邀请函审核 | 其他 | - | 5工作日 | 7工作日 | 不进驻
因公出国（境）人员护照办理 | 服务 | - | 5工作日 | 7工作日 |
[RFB]
应建防空地下室的民用建筑项目报建审批 | 许可 | 20工作日 | 5工作日 | 10工作日 | 板块:TZXM 联办:建设工程规划许可证核发
人防工程竣工验收备案 | 其他 | 15工作日 | 5工作日 | 7工作日 |
[SYJ]
食品经营许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 网办
食品生产许可 | 许可 | 20工作日 | 10工作日 | 15工作日 | 复杂
药品零售企业许可 | 许可 | 30工作日 | 15工作日 | 20工作日 |
医疗器械经营许可 | 许可 | 30工作日 | 15工作日 | 20工作日 |
第二类医疗器械经营备案 | 其他 | - | 即办 | 3工作日 | 网办
小餐饮经营许可 | 许可 | 20工作日 | 1工作日 | - |
食品安全监督检查 | 检查 | - | - | - |
食品安全违法行为处罚 | 处罚 | 90自然日 | - | - |
[GSJ]
企业设立登记 | 许可 | 15工作日 | 3工作日 | 5工作日 | 板块:SSDJ 网办
企业变更登记 | 许可 | 15工作日 | 3工作日 | 5工作日 | 网办
企业注销登记 | 许可 | 15工作日 | 3工作日 | 5工作日 |
个体工商户登记 | 许可 | 15工作日 | 即办 | 3工作日 | 网办
农民专业合作社登记 | 许可 | 20工作日 | 3工作日 | 5工作日 |
股权出质登记 | 确认 | - | 即办 | 3工作日 |
动产抵押登记 | 确认 | - | 即办 | 即办 |
广告发布登记 | 许可 | 10工作日 | 5工作日 | 7工作日 |
[ZLJ]
特种设备使用登记 | 许可 | 15工作日 | 5工作日 | 10工作日 |
特种设备作业人员资格认定 | 许可 | 20工作日 | 10工作日 | 15工作日 |
计量标准器具核准 | 许可 | 20工作日 | 10工作日 | 15工作日 | 不进驻
工业产品生产许可证核发 | 许可 | 60自然日 | 30自然日 | 45自然日 | 复杂 上报
计量器具强制检定 | 服务 | - | 10工作日 | 15工作日 |
[JRJ]
小额贷款公司设立初审 | 许可 | 20工作日 | 15工作日 | 20工作日 | 复杂 上报
融资担保公司设立审批 | 许可 | 30自然日 | 20工作日 | - | 复杂
[GZW]
国有资产产权登记 | 确认 | - | 5工作日 | 7工作日 |
国有资产评估项目备案 | 其他 | - | 10工作日 | 15工作日 |
[LXB]
两型示范创建单位认定 | 奖励 | - | 30工作日 | - |
[DAJ]
档案查阅利用 | 服务 | - | 即办 | 即办 | 网办
集体和个人所有档案出境审批 | 许可 | 20工作日 | 15工作日 | 20工作日 | 上报 不进驻
[CL]
残疾人证核发 | 确认 | - | 10工作日 | 15工作日 |
残疾人辅助器具适配补贴 | 给付 | - | 15工作日 | 20工作日 |
残疾人机动轮椅车燃油补贴 | 给付 | - | 10工作日 | 15工作日 |
[SSGQ]
灌区管理范围内建设项目审批 | 许可 | 20工作日 | 10工作日 | 15工作日 | 不进驻
灌区农业用水计划审核 | 服务 | - | 5工作日 | 7工作日 |
[QXJ]
防雷装置设计审核 | 许可 | 20工作日 | 5工作日 | 10工作日 |
防雷装置竣工验收 | 许可 | 10工作日 | 5工作日 | 7工作日 |
升放无人驾驶自由气球或者系留气球活动审批 | 许可 | 5工作日 | 2工作日 | 3工作日 | 不进驻
[SWZJ]
契税申报 | 征收 | - | 即办 | 即办 | 大厅:FT-BDCDJ 板块:BDCDJ
增值税专用发票最高开票限额审批 | 许可 | 20工作日 | 10工作日 | 15工作日 | 大厅:FT-SW
发票领用 | 服务 | - | 即办 | 1工作日 | 大厅:FT-SW 网办
纳税人税务信息确认 | 确认 | - | 即办 | 1工作日 | 大厅:FT-SW
[GJJ]
住房公积金单位缴存登记 | 服务 | - | 即办 | 3工作日 | 网办 板块:SSDJ 重复:GY-FDDBR
住房公积金提取 | 服务 | - | 即办 | 3工作日 | 大厅:FT-GJJ 网办
住房公积金个人住房贷款 | 服务 | - | 15工作日 | 20工作日 | 大厅:FT-GJJ 复杂
"""

TYPES = {short: code for code, short in vocab.ITEM_TYPE_SHORT.items()}
NOT_ON_APPLICATION = {"penalty", "coercion", "inspection"}
DEPTHS = {"网办": "full_online", "预审": "pre_review", "核验": "verify_original", "现场": "on_site"}

# item name -> [(fee name, basis, standard)]
FEES: dict[str, list[tuple[str, str, str]]] = {
    "居民身份证核发": [("居民身份证工本费", "《中华人民共和国居民身份证法》；发改价格〔2003〕2322号",
                   "首次申领、到期换领20元/证；丢失补领、损坏换领40元/证")],
    "普通护照签发": [("普通护照工本费", "发改价格〔2017〕1186号", "120元/本")],
    "往来港澳通行证签发": [("往来港澳通行证工本费", "发改价格〔2017〕1186号", "60元/证"),
                    ("往来港澳签注费", "发改价格〔2017〕1186号", "15元/次")],
    "机动车登记": [("机动车号牌工本费", "发改价格〔2004〕2831号；湘发改价费〔2017〕…号", "小型汽车号牌100元/副")],
    "机动车驾驶证核发": [("机动车驾驶证工本费", "发改价格〔2004〕2831号", "10元/证")],
    "不动产首次登记": [("不动产登记费", "《不动产登记暂行条例》；发改价格规〔2016〕2559号",
                  "住宅类80元/件，非住宅类550元/件")],
    "不动产转移登记": [("不动产登记费", "《不动产登记暂行条例》；发改价格规〔2016〕2559号",
                  "住宅类80元/件，非住宅类550元/件")],
    "不动产抵押登记": [("不动产登记费", "《不动产登记暂行条例》；发改价格规〔2016〕2559号",
                  "住宅类80元/件，非住宅类550元/件")],
    "耕地开垦费征收": [("耕地开垦费", "《中华人民共和国土地管理法》第三十一条；《湖南省实施〈中华人民共和国土地管理法〉办法》",
                  "按省定标准，每平方米16～26元")],
    "土地闲置费征收": [("土地闲置费", "《闲置土地处置办法》（国土资源部令第53号）", "按土地出让或者划拨价款的20%征缴")],
    "城市基础设施配套费征收": [("城市基础设施配套费", "《湖南省城市基础设施配套费征收管理办法》",
                        "按建筑面积计征，标准以市人民政府公布为准")],
    "水土保持补偿费征收": [("水土保持补偿费", "财综〔2014〕8号；湘发改价费〔2017〕…号",
                     "一般性生产建设项目按征占用土地面积每平方米1.2元")],
    "使用林地审核": [("森林植被恢复费", "财税〔2015〕122号", "按占用林地类型每平方米6～10元")],
    "应建防空地下室的民用建筑项目报建审批": [("防空地下室易地建设费", "《湖南省实施〈中华人民共和国人民防空法〉办法》；湘发改价费〔2017〕…号",
                                   "按应建防空地下室建筑面积计征")],
    "营业性演出审批": [("营业性演出审批手续费", "", "")],
}
# Fees the DRC has not reviewed yet; one it returned.
FEES_UNREVIEWED = {"土地闲置费征收", "应建防空地下室的民用建筑项目报建审批"}
FEES_RETURNED = {"营业性演出审批": "收费依据缺失，按国家和省取消行政事业性收费的规定应予取消，请核实后删除"}

LEGAL_BASIS = {
    "FGW": "《企业投资项目核准和备案管理条例》（国务院令第673号）",
    "JXW": "《电力设施保护条例》",
    "JYJ": "《中华人民共和国民办教育促进法》；《教师资格条例》",
    "KJJ": "《中华人民共和国促进科技成果转化法》",
    "GA": "《中华人民共和国居民身份证法》；《中华人民共和国道路交通安全法》；《中华人民共和国出境入境管理法》",
    "MZJ": "《社会团体登记管理条例》；《婚姻登记条例》",
    "SFJ": "《中华人民共和国律师法》；《法律援助条例》",
    "CZJ": "《代理记账管理办法》；《中华人民共和国政府采购法》",
    "RSJ": "《中华人民共和国社会保险法》；《中华人民共和国劳动合同法》",
    "GTJ": "《中华人民共和国土地管理法》；《不动产登记暂行条例》",
    "ZJJ": "《中华人民共和国建筑法》；《城市房地产开发经营管理条例》",
    "JTJ": "《中华人民共和国道路运输条例》；《公路安全保护条例》",
    "NW": "《农药管理条例》；《兽药管理条例》；《中华人民共和国种子法》",
    "SWJ": "《中华人民共和国水法》；《中华人民共和国水土保持法》",
    "LYJ": "《中华人民共和国森林法》；《中华人民共和国野生动物保护法》",
    "SHWJ": "《中华人民共和国对外贸易法》；《单用途商业预付卡管理办法（试行）》",
    "WTGX": "《娱乐场所管理条例》；《营业性演出管理条例》；《中华人民共和国文物保护法》",
    "WJW": "《医疗机构管理条例》；《中华人民共和国执业医师法》；《公共场所卫生管理条例》",
    "HBJ": "《中华人民共和国环境影响评价法》；《建设项目环境保护管理条例》",
    "TJJ": "《中华人民共和国统计法》",
    "LSJ": "《粮食流通管理条例》",
    "GHJ": "《中华人民共和国城乡规划法》",
    "CGJ": "《城市道路管理条例》；《城市市容和环境卫生管理条例》",
    "AJJ": "《危险化学品安全管理条例》；《烟花爆竹安全管理条例》",
    "LWQ": "《旅行社条例》",
    "RFB": "《中华人民共和国人民防空法》",
    "SYJ": "《中华人民共和国食品安全法》；《医疗器械监督管理条例》",
    "GSJ": "《中华人民共和国公司登记管理条例》；《个体工商户条例》",
    "ZLJ": "《中华人民共和国特种设备安全法》；《中华人民共和国计量法》",
    "JRJ": "《融资担保公司监督管理条例》",
    "GZW": "《企业国有资产法》",
    "LXB": "《湘潭市两型社会建设示范创建管理办法》",
    "DAJ": "《中华人民共和国档案法》",
    "CL": "《中华人民共和国残疾人保障法》",
    "SSGQ": "《湖南省韶山灌区管理办法》",
    "QXJ": "《气象灾害防御条例》；《防雷减灾管理办法》",
    "SWZJ": "《中华人民共和国税收征收管理法》；《中华人民共和国契税法》",
    "GJJ": "《住房公积金管理条例》",
    "ZFB": "《宗教事务条例》",
}

MATERIAL_POOLS = {
    "enterprise": ["营业执照（副本）", "法定代表人身份证明", "经营场所使用证明", "专业技术人员资格证明",
                   "安全管理制度文本", "项目可行性研究报告", "设计方案及图纸", "授权委托书及受托人身份证明",
                   "设施设备清单", "章程"],
    "person": ["申请人居民身份证", "居民户口簿", "近期免冠照片", "收入情况声明", "委托书（委托办理的）",
               "相关登记证书"],
}
SHARED_MATERIALS = {"GY-XMBA": "企业投资项目备案（核准）证明", "GY-FDDBR": "法定代表人身份证明"}
PERSON_TYPES = {"confirmation", "payment", "public_service"}

FUNCTION_SECTIONS = [
    # code, name, lead, whole_chain, ordered chain by item name
    ("TZXM", "投资项目", "FGW", True, [
        "企业投资项目备案", "企业投资项目核准", "政府投资项目可行性研究报告审批", "建设项目选址意见书核发",
        "建设项目用地预审", "固定资产投资项目节能审查", "建设项目环境影响报告书审批", "建设项目环境影响报告表审批",
        "建设用地规划许可证核发", "建设工程规划许可证核发", "应建防空地下室的民用建筑项目报建审批",
        "建筑工程施工许可证核发", "建设工程竣工验收备案"]),
    ("SSDJ", "商事登记", "GSJ", True, ["企业设立登记", "公章刻制备案", "社会保险登记", "住房公积金单位缴存登记"]),
    ("BDCDJ", "不动产登记", "GTJ", True, ["房屋交易网签备案", "契税申报", "不动产转移登记", "不动产首次登记",
                                      "不动产抵押登记"]),
]

# Exemptions (不宜进驻): item name -> (reason, basis, decision, document no, requested, decided)
EXEMPTIONS = [
    ("灌区管理范围内建设项目审批", "venue", "须赴灌区渠系现场勘查，大厅无相应勘验条件（场地条件限制）",
     "approved", "潭政函〔2019〕12号", sh(2019, 1, 8), sh(2019, 1, 25)),
    ("升放无人驾驶自由气球或者系留气球活动审批", "other", "涉及飞行管制协调，须在气象台值班室即时会商（其他特殊情况）",
     "approved", "潭政函〔2019〕12号", sh(2019, 1, 8), sh(2019, 1, 25)),
    ("林木采伐许可证核发", "venue", "采伐作业设计须现场伐区调查，由各林业站就近受理",
     "approved", "潭政函〔2019〕13号", sh(2019, 1, 9), sh(2019, 1, 25)),
    ("剧毒化学品购买许可证核发", "law", "《危险化学品安全管理条例》第三十九条规定由县级人民政府公安机关审批",
     "refused", "潭政函〔2019〕15号", sh(2019, 1, 9), sh(2019, 1, 28)),
    ("集体和个人所有档案出境审批", "other", "涉及档案实体查验，须在档案馆库房内进行",
     None, None, sh(2026, 10, 20), None),
]

# Departments: approval section (None = lacks one), business sections, who holds A and B,
# extra powers, grants below the minimum, government-service grant.
FULL = list(vocab.CHIEF_REP_MINIMUM)


@dataclass
class DeptPlan:
    code: str
    approval: str | None = "行政审批科"
    business: list[str] = field(default_factory=list)
    a: str = "head"                 # head | deputy | biz0 | office | clerk
    b: str | None = "deputy"
    powers: list[str] = field(default_factory=lambda: list(FULL))
    decide_complex: bool = False
    items_subset: int | None = None  # grant only the first n items
    gov_service: list[str] | None = field(default_factory=lambda: list(vocab.GOV_SERVICE_MINIMUM))
    window: bool = True
    internal_office: bool = False
    staff_filing: bool = True
    low_volume: bool = False
    entered_whole: bool = True


DEPT_PLANS = [
    DeptPlan("ZFB", business=["民族宗教事务科"]),
    DeptPlan("FGW", business=["投资科", "价格管理科"], decide_complex=True, internal_office=True),
    DeptPlan("JXW", business=["技术改造科"]),
    DeptPlan("JYJ", business=["民办教育管理科"], b="clerk"),
    DeptPlan("KJJ", approval="审批服务科", business=["成果转化科"]),
    DeptPlan("GA", approval="审批服务科", business=["治安管理支队", "出入境管理支队", "交警支队车辆管理所"],
             decide_complex=True, internal_office=True),
    DeptPlan("MZJ", business=["社会组织管理科", "婚姻登记处"]),
    DeptPlan("SFJ", business=["律师工作科"]),
    DeptPlan("CZJ", business=["会计科"], entered_whole=False),
    DeptPlan("RSJ", business=["社会保险科", "劳动关系科"], decide_complex=True),
    DeptPlan("GTJ", business=["不动产登记中心", "耕地保护科"], decide_complex=True, internal_office=True),
    DeptPlan("ZJJ", business=["建筑市场监管科", "房地产市场监管科"], decide_complex=True, internal_office=True),
    DeptPlan("JTJ", approval="审批服务科", business=["运输管理科"], internal_office=True),
    DeptPlan("NW", business=["种植业管理科"], items_subset=5),
    DeptPlan("SWJ", business=["水资源管理科"]),
    DeptPlan("LYJ", business=["资源林政科"], a="office"),
    DeptPlan("SHWJ", business=["市场运行科"], powers=[p for p in FULL if p != "execute_fee"]),
    DeptPlan("WTGX", business=["文化市场科"],
             gov_service=["consult", "receive"]),
    DeptPlan("WJW", approval="审批服务科", business=["医政医管科"], decide_complex=True, internal_office=True),
    DeptPlan("HBJ", business=["环境影响评价科"], powers=[p for p in FULL if p not in ("use_seal", "countersign")],
             internal_office=True),
    DeptPlan("TJJ", business=["法规科"], window=False, low_volume=True),
    DeptPlan("LSJ", business=["仓储与流通科"], low_volume=True),
    DeptPlan("GHJ", business=["建设用地规划科"], internal_office=True),
    DeptPlan("CGJ", business=["市政公用科"], gov_service=None),
    DeptPlan("AJJ", business=["危险化学品监管科"], powers=["decide", "coordinate"]),
    DeptPlan("LWQ", business=["旅游市场科"], staff_filing=False),
    DeptPlan("RFB", business=["工程建设科"], low_volume=True),
    DeptPlan("SYJ", business=["食品流通监管科"], internal_office=True),
    DeptPlan("GSJ", business=["登记注册科"], decide_complex=True, internal_office=True),
    DeptPlan("ZLJ", business=["特种设备安全监察科"]),
    DeptPlan("JRJ", approval=None, business=["地方金融监管科"], a="biz0", window=False),
    DeptPlan("GZW", approval=None, business=["产权管理科"], a="biz0", low_volume=True),
    DeptPlan("LXB", approval=None, business=["综合科"], a="clerk", b=None, low_volume=True),
    DeptPlan("DAJ", business=["档案利用科"], b=None, staff_filing=False, low_volume=True),
    DeptPlan("CL", business=["康复科"], staff_filing=False),
    DeptPlan("SSGQ", approval=None, business=["工程管理科"], a="clerk", b=None),
    DeptPlan("QXJ", business=["防雷减灾科"], gov_service=None, staff_filing=False),
    DeptPlan("SWZJ", approval="纳税服务科", business=["货物和劳务税科"]),
    DeptPlan("GJJ", approval="审批服务科", business=["归集管理科"]),
]

# Windows in the sub-halls: (code, name, hall, department)
SUB_HALL_WINDOWS = [
    ("FT-FCJY-01", "房产交易窗口一", "FT-FCJY", "ZJJ"),
    ("FT-FCJY-02", "房产交易窗口二", "FT-FCJY", "ZJJ"),
    ("FT-BDCDJ-01", "不动产登记窗口一", "FT-BDCDJ", "GTJ"),
    ("FT-BDCDJ-02", "不动产登记窗口二", "FT-BDCDJ", "GTJ"),
    ("FT-BDCDJ-SW", "契税缴纳窗口", "FT-BDCDJ", "SWZJ"),
    ("FT-RSSB-01", "社会保险窗口", "FT-RSSB", "RSJ"),
    ("FT-RSSB-02", "就业服务窗口", "FT-RSSB", "RSJ"),
    ("FT-JGCG-01", "机动车登记窗口", "FT-JGCG", "GA"),
    ("FT-JGCG-02", "驾驶证业务窗口", "FT-JGCG", "GA"),
    ("FT-GJJ-01", "公积金业务窗口", "FT-GJJ", "GJJ"),
    ("FT-SW-01", "办税服务窗口一", "FT-SW", "SWZJ"),
    ("FT-SW-02", "办税服务窗口二", "FT-SW", "SWZJ"),
]
COMPREHENSIVE_WINDOWS = [
    ("ZH-01", "投资项目综合受理窗口一", "CITY", "TZXM"),
    ("ZH-02", "投资项目综合受理窗口二", "CITY", "TZXM"),
    ("ZH-03", "商事登记综合受理窗口一", "CITY", "SSDJ"),
    ("ZH-04", "商事登记综合受理窗口二", "CITY", "SSDJ"),
    ("ZH-05", "综合受理窗口五", "CITY", None),
    ("ZH-06", "综合受理窗口六", "CITY", None),
    ("ZH-07", "综合受理窗口七", "CITY", None),
    ("ZH-08", "综合出件窗口", "CITY", None),
    ("ZH-09", "不动产登记综合受理窗口（市本级）", "CITY", "BDCDJ"),
    ("ZH-BDC-01", "不动产登记综合受理窗口", "FT-BDCDJ", "BDCDJ"),
]
BUSINESS_SEALS = [
    ("GTJ-BDC", "不动产登记专用章", "GTJ"),
    ("MZJ-HY", "婚姻登记专用章", "MZJ"),
    ("GA-CRJ", "出入境管理专用章", "GA"),
    ("RSJ-SB", "社会保险业务专用章", "RSJ"),
]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
                "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹熊秦邱江尹黎贺易颜龚") + ["欧阳", "司马"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "霞", "平", "刚", "辉", "鹏", "华", "飞", "玲", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁",
         "建华", "建国", "志强", "海燕", "晓东", "雪梅", "丽华", "志勇", "春花", "国强", "文静", "红梅", "俊杰",
         "子涵", "思远", "佳怡", "志明", "立新", "卫东", "湘云", "湘平", "韶华", "永红", "秋菊", "艳萍", "建军",
         "利民", "新民", "铁军", "海波", "雅琴", "晓燕", "振华", "德明", "桂兰", "小兵", "湘君", "莲香"]


# ---------------------------------------------------------------------------------------
# Building the item dicts (pure)
# ---------------------------------------------------------------------------------------


@dataclass
class DemoItem:
    code: str
    department: str
    data: dict[str, Any]
    flags: list[str]
    partner_names: list[str]


def parse_items() -> list[DemoItem]:
    """The catalog table as item dicts (§3 shape), codes ``DEPT-NNN``; partners resolved by name."""
    rng = random.Random(SEED)
    items: list[DemoItem] = []
    dept = None
    counters: Counter[str] = Counter()
    for raw in ITEMS.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("["):
            dept = line.strip("[]")
            continue
        name, typ, stat, prom, base, flags = (p.strip() for p in line.split("|"))
        item_type = TYPES[typ]
        counters[dept] += 1
        code = f"{dept}-{counters[dept]:03d}"
        flag_list = flags.split()
        on_app = item_type not in NOT_ON_APPLICATION
        opts = dict(f.split(":", 1) for f in flag_list if ":" in f)
        bare = {f for f in flag_list if ":" not in f}
        depth = next((DEPTHS[f] for f in bare if f in DEPTHS), None)
        if depth is None:
            depth = rng.choices(["on_site", "pre_review", "verify_original", "full_online"],
                                weights=[2, 4, 3, 1])[0] if on_app else "on_site"
        if not on_app or "不进驻" in bare:
            entry = None
        else:
            entry = {"hall": opts.get("大厅", "CITY")}
        materials = _materials(rng, code, name, item_type, bare, opts) if on_app else []
        fees = [{"code": f"{code}-F{i}", "name": fn, "basis": fb, "standard": fs}
                for i, (fn, fb, fs) in enumerate(FEES.get(name, []), start=1)]
        joint = "联办" in bare or "联办" in opts
        data = {
            "code": code, "directory_item": f"ML-{code}", "name": name, "department": dept,
            "item_type": item_type, "on_application": on_app,
            "case_type": "instant" if prom == "即办" else "commitment",
            "report_up": "上报" in bare, "joint": joint, "partners": [],
            "complexity": "complex" if "复杂" in bare else "simple",
            "statutory_limit": _limit(stat), "promised_limit": _limit(prom),
            "promised_limit_2017": _limit(base), "fees": fees, "materials": materials,
            "online_depth": depth, "function_section": opts.get("板块"), "entry": entry,
            "effective_from": sh(2019, 7, 1, 0, 0) if name == "小餐饮经营许可" else VALID_FROM,
        }
        partners = [p for p in opts.get("联办", "").split(",") if p]
        items.append(DemoItem(code, dept, data, flag_list, partners))
    by_name = {it.data["name"]: it.code for it in items}
    for it in items:
        it.data["partners"] = [by_name[n] for n in it.partner_names]
    return items


def _limit(text: str) -> dict[str, Any] | None:
    return None if text == "-" else parse_limit(text)


def _materials(rng: random.Random, code: str, name: str, item_type: str, bare: set[str],
               opts: dict[str, str]) -> list[dict[str, str]]:
    form = f"{name}申请表" if not name.endswith("登记") else f"{name}申请书"
    out = [{"code": f"{code}-01", "name": form}]
    pool = MATERIAL_POOLS["person" if item_type in PERSON_TYPES else "enterprise"]
    for i, m in enumerate(rng.sample(pool, rng.randint(1, 3)), start=2):
        out.append({"code": f"{code}-{i:02d}", "name": m})
    for shared in opts.get("重复", "").split(","):
        if shared:
            out.append({"code": shared, "name": SHARED_MATERIALS[shared]})
    if "兜底" in bare:
        out.append({"code": f"{code}-99", "name": "其他材料"})
    return out


# ---------------------------------------------------------------------------------------
# Loading through the services
# ---------------------------------------------------------------------------------------


class _Names:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def __call__(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                return name


def demo_present(session) -> bool:
    return (session.scalar(select(func.count()).select_from(Person)) or 0) > 0 or \
        (session.scalar(select(func.count()).select_from(ItemVersion)) or 0) > 0


def load_demo(ctx: FilingContext, progress: bool = True) -> dict[str, Any]:
    """Load the demo city into the caller's transaction; a no-op when people or items exist.

    Returns the demo's figures (items by type, authorizations, absences, …), or
    ``{"skipped": True}`` when the registry already holds people or items.
    """
    session = ctx.session
    if demo_present(session):
        return {"skipped": True}
    steps: list[tuple[str, Callable[[], Any]]] = []
    state = _State()
    _plan_steps(ctx, steps, state)
    from tqdm import tqdm

    with tqdm(total=len(steps), desc="加载演示数据", unit="步", file=sys.stderr, disable=not progress,
              leave=False) as bar:
        for label, fn in steps:
            bar.set_postfix_str(label, refresh=False)
            fn()
            bar.update(1)
    session.flush()
    return state.figures()


@dataclass
class _State:
    sections: dict[tuple[str, str], int] = field(default_factory=dict)
    people: dict[tuple[str, str], int] = field(default_factory=dict)
    auths: dict[tuple[str, str], int] = field(default_factory=dict)
    items: list[DemoItem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        by_type = Counter(it.data["item_type"] for it in self.items)
        return {
            "skipped": False,
            "items": len(self.items),
            "items_by_type": dict(sorted(by_type.items())),
            **dict(sorted(self.counts.items())),
        }


def _ctx(base: FilingContext, actor: Actor, when: datetime) -> FilingContext:
    return replace(base, actor=actor, now=when)


def _plan_steps(base: FilingContext, steps: list, st: _State) -> None:  # noqa: C901 - a script
    rng = random.Random(SEED + 1)
    names = _Names(rng)
    add = steps.append
    gs = lambda when: _ctx(base, GOV_SERVICE, when)  # noqa: E731
    dept = lambda code, when: _ctx(base, dept_actor(code), when)  # noqa: E731
    st.items = parse_items()
    items_by_dept: dict[str, list[DemoItem]] = defaultdict(list)
    for it in st.items:
        items_by_dept[it.department].append(it)
    by_name = {it.data["name"]: it for it in st.items}
    plans = {p.code: p for p in DEPT_PLANS}

    # 2018-12-01: the plan's facts (kept if present), low-volume marks.
    add(("计划事实", lambda: load_plan_facts(gs(sh(2018, 12, 1)))))

    def mark_low_volume():
        for p in DEPT_PLANS:
            if p.low_volume:
                d = base.session.get(Department, p.code)
                if not d.low_volume:
                    d.low_volume = True  # no filing service changes a department; reference data
                    base.changed("department", d.code, "low_volume")
    add(("办件量少的部门", mark_low_volume))

    # 2018-12-03: function sections (chains by item code), sections and people.
    for code, name, lead, whole, chain in FUNCTION_SECTIONS:
        data = {"code": code, "name": name, "lead_department": lead, "whole_chain": whole,
                "chain": [by_name[n].code for n in chain]}
        add((f"功能板块 {code}", lambda d=data: catalog.create_function_section(gs(sh(2018, 12, 3)), d)))

    def count(key, n=1):
        st.counts[key] += n

    def make_section(code, name, kind, whole):
        def run():
            s = org.create_section(dept(code, sh(2018, 12, 3, 10)),
                                   {"department": code, "name": name, "kind": kind, "entered_whole": whole})
            st.sections[(code, name)] = s.id
            count("sections")
        return run

    def make_person(code, key, section_name, position, head=False):
        def run():
            section = st.sections.get((code, section_name)) if section_name else None
            p = org.create_person(dept(code, sh(2018, 12, 3, 11)),
                                  {"name": names(), "department": code, "section": section,
                                   "position": position})
            st.people[(code, key)] = p.id
            if head and section is not None:
                org.set_section_head(dept(code, sh(2018, 12, 3, 11)), section, p.id)
            count("people")
        return run

    # The government service department's own staff.
    for sec in ("综合受理科", "督查考核科"):
        add((f"科室 ZWFW {sec}", make_section("ZWFW", sec, "business", True)))
    for key, sec, pos, head in [("head", "综合受理科", "综合受理科科长", True),
                                ("deputy", "综合受理科", "综合受理科副科长", False),
                                ("audit", "督查考核科", "督查考核科科长", True)]:
        add((f"人员 ZWFW {key}", make_person("ZWFW", key, sec, pos, head)))
    for i in range(1, 11):
        add((f"人员 ZWFW 窗口{i}", make_person("ZWFW", f"window{i}", "综合受理科", "综合受理窗口工作人员")))

    for p in DEPT_PLANS:
        if p.approval:
            add((f"科室 {p.code}", make_section(p.code, p.approval, "approval_service", p.entered_whole)))
        for b in p.business:
            add((f"科室 {p.code} {b}", make_section(p.code, b, "business", False)))
        if p.approval:
            add((f"人员 {p.code} 科长", make_person(p.code, "head", p.approval, f"{p.approval}科长", True)))
            add((f"人员 {p.code} 副科长", make_person(p.code, "deputy", p.approval, f"{p.approval}副科长")))
            for i in (1, 2):
                add((f"人员 {p.code} 科员{i}", make_person(p.code, f"clerk{i}" if i > 1 else "clerk",
                                                         p.approval, f"{p.approval}科员")))
        for j, b in enumerate(p.business):
            add((f"人员 {p.code} {b}", make_person(p.code, f"biz{j}", b, f"{b}科长" if not b.endswith(("队", "所", "处", "中心")) else f"{b}负责人", True)))
        if not p.approval:
            b = p.business[0]
            add((f"人员 {p.code} 副科长", make_person(p.code, "deputy", b, f"{b}副科长")))
            add((f"人员 {p.code} 科员", make_person(p.code, "clerk", b, f"{b}科员")))
        if p.a == "office":
            add((f"人员 {p.code} 办公室", make_person(p.code, "office", None, "办公室副主任")))

    # 2018-12-05: places.
    for code, name, hall, fs in COMPREHENSIVE_WINDOWS:
        add((f"场所 {code}", lambda d={"code": code, "name": name, "kind": "comprehensive_window",
                                        "hall": hall, "function_section": fs}:
             (org.create_place(gs(sh(2018, 12, 5)), d), count("places"))))
    for p in DEPT_PLANS:
        dname = DEPT_NAMES.get(p.code, p.code)
        city = [it for it in items_by_dept[p.code] if (it.data["entry"] or {}).get("hall") == "CITY"]
        if p.window and city:
            add((f"场所 {p.code}-CK", lambda d={"code": f"{p.code}-CK", "name": f"{dname}窗口", "kind": "department_window",
                                              "hall": "CITY", "department": p.code}:
                 (org.create_place(gs(sh(2018, 12, 5)), d), count("places"))))
        if p.internal_office:
            sec = p.business[0] if p.business else p.approval
            add((f"场所 {p.code}-NB", lambda d={"code": f"{p.code}-NB", "name": f"{dname}{sec}", "kind": "internal_office",
                                              "department": p.code}:
                 (org.create_place(gs(sh(2018, 12, 5)), d), count("places"))))
    for code, name, hall, d_code in SUB_HALL_WINDOWS:
        add((f"场所 {code}", lambda d={"code": code, "name": name, "kind": "department_window",
                                        "hall": hall, "department": d_code}:
             (org.create_place(gs(sh(2018, 12, 5)), d), count("places"))))

    # 2018-12-06: the directory list (reform office); 2018-12-10: departments file their items.
    reform = lambda when: _ctx(base, REFORM, when)  # noqa: E731
    for it in st.items:
        d = {"code": it.data["directory_item"], "name": it.data["name"], "item_type": it.data["item_type"],
             "legal_basis": LEGAL_BASIS.get(it.department)}
        add((f"目录 {it.code}", lambda d=d: catalog.create_directory_item(reform(sh(2018, 12, 6)), d)))
    returned_name = "设置大型户外广告审批"
    for it in st.items:
        add((f"事项 {it.code}", lambda it=it, d=dict(it.data): (
            catalog.file_item(dept(it.department, sh(2018, 12, 10)), d), count("item_versions"))))

    # 2018-12-17: the reform office reviews; one item goes back once (catch-all material).
    refile: list[DemoItem] = []
    for it in st.items:
        if it.data["name"] == returned_name:
            add((f"退回 {it.code}", lambda it=it: (catalog.review_item(
                reform(sh(2018, 12, 17)), it.code, "returned",
                ["申请材料含兜底条款“其他材料”，请删除或列明具体材料（XT-3.4.catch_all）"]), count("items_returned"))))
            refile.append(it)
        else:
            add((f"审核 {it.code}", lambda it=it: catalog.review_item(reform(sh(2018, 12, 17)), it.code, "approved")))

    # 2018-12-18: the DRC reviews fees (most, not all; one returned).
    drc = lambda when: _ctx(base, DRC, when)  # noqa: E731
    for it in st.items:
        name = it.data["name"]
        if name in FEES_UNREVIEWED:
            continue
        for fee in it.data["fees"]:
            if name in FEES_RETURNED:
                review = {"fee": fee["code"], "result": "returned", "basis_ok": False, "standard_ok": False,
                          "note": FEES_RETURNED[name]}
            else:
                review = {"fee": fee["code"], "result": "approved", "basis_ok": True, "standard_ok": True,
                          "note": "收费依据和标准经审查符合规定"}
            add((f"收费审查 {fee['code']}", lambda it=it, review=review: (
                catalog.review_fee(drc(sh(2018, 12, 18)), it.code, review), count("fee_reviews"))))

    # 2018-12-19: the returned item comes back without the catch-all and is published.
    for it in refile:
        fixed = {**it.data, "materials": [m for m in it.data["materials"] if m["name"] != "其他材料"]}
        add((f"重报 {it.code}", lambda it=it, fixed=fixed: (
            catalog.file_item(dept(it.department, sh(2018, 12, 19)), fixed), count("item_versions"))))
        add((f"审核 {it.code}", lambda it=it: catalog.review_item(reform(sh(2018, 12, 19, 15)), it.code, "approved")))
        it.data = fixed

    # 2018-12-20: the government retains the six sub-halls.
    gov = lambda when: _ctx(base, GOVERNMENT, when)  # noqa: E731
    for hall in ("FT-FCJY", "FT-BDCDJ", "FT-RSSB", "FT-JGCG", "FT-GJJ", "FT-SW"):
        add((f"分厅批准 {hall}", lambda hall=hall: (org.file_hall_approval(gov(sh(2018, 12, 20)), {
            "hall": hall, "valid_from": VALID_FROM, "valid_to": None, "document_no": "潭政函〔2018〕186号"}),
            count("hall_approvals"))))

    # 2018-12-24: seals (approval seal for every department with licensing items; a few business seals).
    seals: list[tuple[str, str]] = []
    for p in DEPT_PLANS:
        if any(it.data["item_type"] == "licensing" for it in items_by_dept[p.code]):
            code = f"{p.code}-SPZ"
            seals.append((code, p.code))
            add((f"印章 {code}", lambda code=code, p=p: (org.create_seal(gs(sh(2018, 12, 24)), {
                "code": code, "name": f"{DEPT_NAMES.get(p.code, p.code)}行政审批专用章", "department": p.code,
                "kind": "approval"}), count("seals"))))
    for code, name, d_code in BUSINESS_SEALS:
        seals.append((code, d_code))
        add((f"印章 {code}", lambda code=code, name=name, d_code=d_code: (org.create_seal(gs(sh(2018, 12, 24)), {
            "code": code, "name": f"{DEPT_NAMES.get(d_code, d_code)}{name}", "department": d_code,
            "kind": "business"}), count("seals"))))

    # 2018-12-26: authorizations valid from 2019-01-01; custody by the A post; staff filings.
    def authorize(code: str, key: str, post: str | None, powers: list[str], items: Any,
                  backs_key: str | None = None, person_key: str | None = None, gov_service: bool = False,
                  when: datetime = sh(2018, 12, 26), valid_from: datetime = VALID_FROM):
        def run():
            grantee = {"gov_service": True} if gov_service else {"person": st.people[(code, person_key)]}
            data = {"grantor": code, "grantee": grantee, "post": post,
                    "backs": st.auths[(code, backs_key)] if backs_key else None,
                    "powers": powers, "items": items, "valid_from": valid_from, "valid_to": None}
            a = grants.file_authorization(dept(code, when), data)
            st.auths[(code, key)] = a.id
            count("authorizations")
            count("authorizations_gov_service" if gov_service else f"authorizations_{post}")
        return run

    for p in DEPT_PLANS:
        its = items_by_dept[p.code]
        if not its:
            continue
        scope: Any = "*" if p.items_subset is None else [it.code for it in its[:p.items_subset]]
        powers = list(p.powers) + (["decide_complex"] if p.decide_complex else [])
        add((f"授权 {p.code} A", authorize(p.code, "A", "A", powers, scope, person_key=p.a)))
        if p.code == "MZJ":
            # The first B post is revoked in 2022 and replaced (below).
            add((f"授权 {p.code} B", authorize(p.code, "B-old", "B", powers, scope, "A", person_key="clerk")))
        elif p.b:
            add((f"授权 {p.code} B", authorize(p.code, "B", "B", powers, scope, "A", person_key=p.b)))
        on_app = [it for it in its if it.data["on_application"]]
        if p.gov_service and on_app:
            add((f"授权 {p.code} 政务服务", authorize(p.code, "GS", None, list(p.gov_service), "*",
                                                  gov_service=True)))
    for seal_code, d_code in seals:
        add((f"保管 {seal_code}", lambda seal_code=seal_code, d_code=d_code: (grants.file_seal_custody(
            dept(d_code, sh(2018, 12, 27)), {"seal": seal_code, "person": st.people[(d_code, plans[d_code].a)],
                                              "from": VALID_FROM, "to": None}), count("seal_custody"))))

    def staff(p: DeptPlan):
        def run():
            people = [{"person": st.people[(p.code, p.a)], "role": "chief_representative"}]
            b_key = "clerk" if p.code == "MZJ" else p.b
            if b_key:
                people.append({"person": st.people[(p.code, b_key)], "role": "chief_representative"})
            for key in ("clerk", "clerk2"):
                pid = st.people.get((p.code, key))
                if pid and all(e["person"] != pid for e in people):
                    people.append({"person": pid, "role": "staff"})
            filing = org.file_staff(dept(p.code, sh(2018, 12, 27)), {"department": p.code, "people": people})
            count("staff_filings")
            if p.code not in ("SHWJ", "NW"):  # two filings not yet acknowledged
                org.acknowledge_staff(gs(sh(2018, 12, 28)), filing.id)
        return run
    for p in DEPT_PLANS:
        if p.staff_filing and items_by_dept[p.code]:
            add((f"备案 {p.code}", staff(p)))

    # 事进人不进: the statistics bureau delegates acceptance to the government service department.
    add(("委托 TJJ", lambda: (grants.file_delegation(dept("TJJ", sh(2018, 12, 27)), {
        "department": "TJJ", "items": "*", "from": VALID_FROM, "to": None}), count("delegations"))))

    # 2019-01: exemptions and the government's decisions; 2026-10: one still pending.
    def exemption(name, reason, basis, result, doc, requested, decided):
        it = by_name[name]

        def run(it=it, reason=reason, basis=basis, result=result, doc=doc, requested=requested, decided=decided):
            ex = grants.request_exemption(dept(it.department, requested), {
                "item": it.code, "reason": reason, "basis": basis,
                "effective_from": max(requested, VALID_FROM), "effective_to": None})
            count("exemptions")
            if result:
                grants.decide_exemption(gov(decided), ex.id, result, doc)
                count(f"exemptions_{result}")
            else:
                count("exemptions_pending")
        add((f"不宜进驻 {it.code}", run))

    decided = sorted((e for e in EXEMPTIONS if e[3]), key=lambda e: e[5])
    pending = sorted((e for e in EXEMPTIONS if not e[3]), key=lambda e: e[5])
    for e in decided:
        exemption(*e)

    # 2022-06: the civil-affairs B post is revoked (staff change) and replaced.
    def revoke_and_replace():
        grants.revoke_authorization(dept("MZJ", sh(2022, 6, 28)), st.auths[("MZJ", "B-old")],
                                    sh(2022, 7, 1, 0, 0), "岗位调整：原B岗人员调离行政审批科")
        count("revocations")
        p = plans["MZJ"]
        powers = list(p.powers) + (["decide_complex"] if p.decide_complex else [])
        authorize("MZJ", "B", "B", powers, "*", "A", person_key="deputy",
                  when=sh(2022, 6, 28), valid_from=sh(2022, 7, 1, 0, 0))()
    add(("撤销 MZJ B岗", revoke_and_replace))
    for e in pending:
        exemption(*e)

    # Absences: one in the past, the transport A post absent now (its B acts), and the urban-
    # management department with A and B absent at once (空岗).
    absences = [
        ("WJW", "head", sh(2025, 3, 3, 0, 0), sh(2025, 3, 15, 0, 0), "年休假", sh(2025, 2, 27)),
        ("JTJ", "head", sh(2026, 11, 16, 0, 0), sh(2027, 1, 9, 0, 0), "病休", sh(2026, 11, 13)),
        ("CGJ", "deputy", sh(2026, 11, 20, 0, 0), sh(2027, 2, 20, 0, 0), "产假", sh(2026, 11, 18)),
        ("CGJ", "head", sh(2026, 11, 23, 0, 0), sh(2026, 12, 19, 0, 0), "参加市委党校中青年干部培训班", sh(2026, 11, 20)),
    ]
    for code, key, start, end, reason, filed in absences:
        add((f"缺位 {code} {key}", lambda code=code, key=key, start=start, end=end, reason=reason, filed=filed: (
            grants.file_absence(dept(code, filed), {"person": st.people[(code, key)], "from": start, "to": end,
                                                     "reason": reason}), count("absences"))))


DEPT_NAMES: dict[str, str] = {}


def _dept_names() -> dict[str, str]:
    from registry.seed import plan_departments

    return {d["code"]: d["name"] for d in plan_departments()}


DEPT_NAMES.update(_dept_names())
