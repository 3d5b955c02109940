from django.contrib import admin
from django.urls import path

from floor.views import floor

urlpatterns = [path("floor/", floor), path("admin/", admin.site.urls)]
