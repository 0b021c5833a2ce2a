from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "helpdesk.surveys"
    label = "surveys"
