# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""The states of tenders and bids, and the groups of them that the gates,
the views and the reports share: each defined once, here.

The record rules of the XML files spell the same groups out, since XML
cannot import them; tests/test_security.py tests each rule."""

TENDER_STATES = [
    ('draft', "Draft"),
    ('pending_approval', "Pending Approval"),
    ('approved', "Approved"),
    ('published', "Published"),
    ('closed', "Closed"),
    ('evaluation', "Evaluation"),
    ('moderated', "Moderated"),
    ('award_pending', "Award Pending"),
    ('awarded', "Awarded"),
    ('contracted', "Contracted"),
    ('cancelled', "Cancelled"),
    ]
# Open: the tender has not closed yet; its bids are sealed
OPEN_STATES = ['draft', 'pending_approval', 'approved', 'published']
# Public: providers see the tender
PUBLIC_STATES = [
    'published', 'closed', 'evaluation', 'moderated', 'award_pending',
    'awarded', 'contracted']
# Closed: the bids are unsealed for the commissioner and the evaluators
CLOSED_STATES = [
    'closed', 'evaluation', 'moderated', 'award_pending', 'awarded',
    'contracted']
# Pass/fail answers are assessed once the tender closes, until evaluation
# completes
ASSESSMENT_STATES = ['closed', 'evaluation']
# Evaluators are assigned from approval until evaluation starts
ASSIGNMENT_STATES = ['approved', 'published', 'closed']
# Evaluation is complete: the scores are revealed, the award is made
EVALUATED_STATES = ['moderated', 'award_pending', 'awarded', 'contracted']
# The groups the tender shows as Boolean fields, which the record rules of
# the XML files search
TENDER_GROUPS = {
    'public': PUBLIC_STATES,
    'unsealed': CLOSED_STATES,
    'evaluated': EVALUATED_STATES,
    }
# A tender can be cancelled until its award is approved
CANCELLABLE_STATES = [
    'draft', 'pending_approval', 'approved', 'published', 'closed',
    'evaluation', 'moderated', 'award_pending']
# Finance sends back a tender from these states
REJECTABLE_STATES = ['pending_approval', 'award_pending']

BID_STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('withdrawn', "Withdrawn"),
    ('void', "Void"),
    ('awarded', "Awarded"),
    ('unsuccessful', "Unsuccessful"),
    ]
# A provider has at most one live bid per tender
LIVE_STATES = ['draft', 'submitted']
# The bids that were evaluated
ASSESSED_STATES = ['submitted', 'awarded', 'unsuccessful']
# The bids that came to nothing
DEAD_STATES = ['withdrawn', 'void', 'unsuccessful']

# The returns a provider has reported
REPORTED_STATES = ['submitted', 'accepted']
